"""Image releases: the Dockerfile chosen (and stored as ``build/<service>/Dockerfile``), the image
built through the engine's API, tagged with the commit and the branch, pushed to
``build.registry`` and named by the digest the registry reported."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from ..config.models import OrchestraConfig, Service
from ..context import Context
from ..detect import ServiceStack
from ..release import Release
from .dockerfile import DockerfileChoice, Refiner, choose_dockerfile
from .engine import Engine, image_tag, registry_auth, repository_name
from .errors import ImageBuildFailed, PushFailed
from .local import ReleaseBase, env_values

log = logging.getLogger(__name__)

BUILD_TIMEOUT_S = 3600.0
PUSH_TIMEOUT_S = 1800.0
T = TypeVar("T")


def dockerfile_artifact(service: str) -> str:
    return f"build/{service}/Dockerfile"


@dataclass(frozen=True)
class ImageRelease:
    release: Release
    data: dict[str, Any]
    summary: str


async def _in_thread(call: Callable[[], T], timeout_s: float, what: str, error: type[Exception]) -> T:
    """A blocking engine call in a worker thread, abandoned (and reported) past ``timeout_s``."""
    try:
        with anyio.fail_after(timeout_s):
            return await anyio.to_thread.run_sync(call, abandon_on_cancel=True)
    except TimeoutError:
        raise error(f"{what} took longer than {timeout_s:.0f}s") from None


def _labels(
    base: ReleaseBase, choice: DockerfileChoice, config: OrchestraConfig, run_id: str
) -> dict[str, str]:
    labels = {
        "org.opencontainers.image.title": base.service,
        "org.opencontainers.image.revision": base.commit,
        "org.opencontainers.image.version": base.version,
        "io.devops-orchestra.run": run_id,
        "io.devops-orchestra.dockerfile": choice.source,
    }
    source = config.project.repo or ""
    if source.startswith("https://") and "@" not in source:
        labels["org.opencontainers.image.source"] = source
    return labels


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


async def image_release(
    ctx: Context,
    base: ReleaseBase,
    root: Path,
    service_dir: Path,
    service: Service,
    stack: ServiceStack,
    config: OrchestraConfig,
    *,
    refine: Refiner,
    branch: str,
    artifact: str | None = None,
    added_requirements: Sequence[str] = (),
) -> ImageRelease:
    """Build (and push, when a registry is configured) the service's image."""
    secrets = list(config.secrets.keys)
    engine = await _in_thread(
        partial(Engine.connect, secrets), 60, "connecting to the engine", ImageBuildFailed
    )
    try:
        with tempfile.TemporaryDirectory(prefix="orchestra-build-") as workdir:
            choice = await choose_dockerfile(
                root, service_dir, service, config.build, stack, Path(workdir), refine, added_requirements
            )
            await ctx.put_artifact(
                dockerfile_artifact(service.name),
                choice.text,
                content_type="text/plain",
                meta={
                    "source": choice.source,
                    "hadolint": choice.lint.summary() if choice.lint else "not run",
                },
            )
            registry = config.build.registry
            repository = repository_name(registry, config.project.name or "project", service.name)
            tags = list(dict.fromkeys([base.commit, image_tag(branch)]))
            build = partial(
                engine.build,
                choice.context,
                choice.path,
                f"{repository}:{tags[0]}",
                choice.build_args,
                _labels(base, choice, config, ctx.task.run_id),
            )
            built = await _in_thread(build, BUILD_TIMEOUT_S, "the image build", ImageBuildFailed)
            for tag in tags[1:]:
                await _in_thread(
                    partial(engine.tag, built.id, repository, tag), 60, "tagging", ImageBuildFailed
                )
            digest = None
            if registry:
                auth = registry_auth(registry)
                for tag in tags:
                    push = partial(engine.push, repository, tag, auth)
                    pushed = await _in_thread(
                        push, PUSH_TIMEOUT_S, f"the push of {repository}:{tag}", PushFailed
                    )
                    digest = digest or pushed
            engine_info = engine.describe()
    finally:
        engine.close()
    ref = f"{repository}:{tags[0]}"
    release = Release(
        **base.fields(),
        kind="image",
        language=service.language or stack.language or "unknown",
        start=list(choice.inputs.cmd) if choice.inputs else [],
        port=choice.inputs.port if choice.inputs else service.port,
        health=service.health,
        env=env_values(service),
        secret_names=secrets,
        image=ref,
        digest=digest,
        artifact=artifact,
        dockerfile="repository" if choice.source == "repository" else "generated",
    )
    verdict = choice.lint.summary() if choice.lint else "hadolint not installed"
    data = {
        "kind": "image",
        "dockerfile": choice.encode(),
        "dockerfile_artifact": dockerfile_artifact(service.name),
        "image": ref,
        "tags": [f"{repository}:{t}" for t in tags],
        "image_id": built.id,
        "digest": digest,
        "pushed": bool(registry),
        "registry": registry,
        "size": built.size,
        "build_duration_s": built.duration_s,
        "engine": engine_info,
    }
    where = f", pushed {digest or '(no digest reported)'}" if registry else ", not pushed (no build.registry)"
    summary = (
        f"image {ref} ({choice.source} Dockerfile, {verdict}), "
        f"{_size(built.size)} in {built.duration_s:.1f}s{where}"
    )
    log.info("%s: %s", service.name, summary)
    return ImageRelease(release, data, summary)
