"""Releases for the ``local`` runtime: the source at a commit, its dependency environment installed
in the host's cache, and a start command that resolves here. No engine needed.

The deploy peer re-creates the release from the commit and the env key (at once on this host,
which has the env cached; by installing on any other).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config.models import OrchestraConfig, Service
from ..detect import ServiceStack
from ..envs import PythonEnv, node_env, python_env, requirements_of
from ..release import Release
from ..tools import run_tool, which
from .errors import CannotGenerate, ReleaseBroken
from .stacks._common import start_argv
from .stacks.python import undeclared_servers

log = logging.getLogger(__name__)

STATIC_PORT = 8080


@dataclass(frozen=True)
class ReleaseBase:
    """What every release of this task shares, whatever its kind."""

    service: str
    version: str
    repo: str
    commit: str
    path: str
    built_by: str

    def fields(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "version": self.version,
            "repo": self.repo,
            "commit": self.commit,
            "path": self.path,
            "built_by": self.built_by,
        }


@dataclass(frozen=True)
class LocalRelease:
    release: Release
    resolved: list[str]
    """The start argv with the interpreter or tool resolved on this host (absolute paths)."""
    notes: list[str] = field(default_factory=list)


def env_values(service: Service) -> dict[str, str]:
    """The service's non-secret environment as strings (``true``/``false`` for booleans)."""
    return {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in service.env.items()}


def static_start(stack: ServiceStack, port: int) -> list[str]:
    """Serve a static site's folder with Python's http.server (``python`` resolved at deploy)."""
    root = stack.static_root or "."
    return ["python", "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", root]


def _unresolvable(service: str, argv: Sequence[str]) -> CannotGenerate:
    return CannotGenerate(
        f"the start command of {service!r} ({' '.join(argv)}) does not resolve on this host: "
        f"{argv[0]} is not installed (nor in the service's environment)"
    )


def _entry_module(stack: ServiceStack, argv: Sequence[str]) -> str | None:
    """The module the service starts from: ``app`` for ``app:app`` or ``python app.py``."""
    if stack.entry and ":" in stack.entry:
        return stack.entry.split(":", 1)[0]
    script = next((a for a in argv[1:] if a.endswith(".py")), None)
    if script and script != "manage.py" and "/" not in script:
        return script.removesuffix(".py")
    return None


async def _imports(service: str, service_dir: Path, env: PythonEnv, module: str | None) -> None:
    """Import the entry module in the release's environment: a module the requirements do not
    install fails the build here (where healing can fix it), not at deploy."""
    if module is None:
        return
    check = await run_tool(
        [str(env.python), "-c", f"import importlib; importlib.import_module({module!r})"],
        cwd=service_dir,
        env=env.env({"PATH": "/usr/local/bin:/usr/bin:/bin", "PYTHONPATH": str(service_dir)}),
        inherit_env=False,
        timeout_s=120,
    )
    if not check.ok:
        raise ReleaseBroken(
            f"the release of {service!r} does not import its entry module {module!r}:\n{check.tail(15)}"
        )


async def local_release(
    base: ReleaseBase,
    service_dir: Path,
    service: Service,
    stack: ServiceStack,
    config: OrchestraConfig,
    cache_dir: Path,
    *,
    artifact: str | None = None,
    added_requirements: Sequence[str] = (),
) -> LocalRelease:
    """A runnable local release: the environment installed, the start command checked."""
    language = service.language or stack.language
    port = service.port or stack.port
    argv = list(start_argv(service, stack.start))
    notes: list[str] = []
    if not argv and language == "static":
        port = port or STATIC_PORT
        argv = static_start(stack, port)
        notes.append(f"static site: served from {stack.static_root or '.'} by Python's http.server")
    if not argv:
        raise CannotGenerate(
            f"cannot tell how to start {service.name!r} locally: set "
            f"deployment.services[{service.name}].command in devops_orchestra.yaml"
        )
    python_key = node_key = None
    python_extras: list[str] = []
    resolved = list(argv)
    if language == "python":
        declared = requirements_of(service_dir)
        extras = undeclared_servers(tuple(argv), declared)
        extras += [a for a in added_requirements if a not in declared and a not in extras]
        env = await python_env(service_dir, cache_dir, extras=extras)
        python_key, resolved = env.key, env.command(argv)
        python_extras = extras
        if extras:
            notes.append(f"added to the environment: {', '.join(extras)}")
        await _imports(service.name, service_dir, env, _entry_module(stack, argv))
    elif language in ("node", "static") and (service_dir / "package.json").is_file():
        node_key = (await node_env(service_dir, cache_dir)).key
    if resolved and "/" not in resolved[0]:
        found = which(resolved[0]) if resolved[0] not in ("python", "python3") else which("python3")
        if found is None:
            raise _unresolvable(service.name, argv)
        resolved[0] = found
    elif not Path(resolved[0] if Path(resolved[0]).is_absolute() else service_dir / resolved[0]).exists():
        raise _unresolvable(service.name, argv)
    release = Release(
        **base.fields(),
        kind="local",
        language=language or "unknown",
        start=argv,
        port=port,
        health=service.health,
        env=env_values(service),
        secret_names=list(config.secrets.keys),
        python_env=python_key,
        python_extras=python_extras,
        node_env=node_key,
        artifact=artifact,
        dockerfile="none",
    )
    log.info("local release of %s: %s", service.name, " ".join(argv))
    return LocalRelease(release, resolved, notes)
