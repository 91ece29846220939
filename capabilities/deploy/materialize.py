"""From a Release to something a runtime can start.

A local release becomes a long-lived folder ``cache_dir/releases/<service>/<version>/`` (the
source at its commit, fetched through the host's workspaces), the cached virtualenv or
node_modules, a start argv with ``python``/``npm`` resolved, and the environment: the config's,
``PORT`` (set by the runtime), ``ORCHESTRA_VERSION`` and the secrets read by name from the
deploy peer's environment. When the run built no release (no build stage), one is made from
the run's own commit.
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import anyio

from blackboard import NotFound

from .._lock import file_lock
from ..config.models import OrchestraConfig, Service
from ..context import Context
from ..detect import detect_service
from ..envs import node_env, python_env
from ..errors import TaskFailed
from ..release import Release, artifact_name
from .runtimes import AppSpec

BASE_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER")
"""What a version inherits from the peer's environment; the rest is the config's."""


def argv_of(command: str | list[str] | None) -> list[str]:
    if command is None:
        return []
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


async def release_for(ctx: Context, service: Service, config: OrchestraConfig) -> Release:
    """The run's ``release/<service>.json``, or one made from the run's commit."""
    try:
        return Release.model_validate_json(await ctx.get_artifact(artifact_name(service.name)))
    except NotFound:
        pass
    run = await ctx.run()
    if not run.meta.repo or not run.meta.commit:
        raise TaskFailed(f"the run has no release for {service.name} and names no commit to deploy")
    return Release(
        service=service.name,
        version=run.meta.commit[:12],
        kind="local",
        repo=run.meta.repo,
        commit=run.meta.commit,
        path=service.path,
        language=service.language or "unknown",
        start=argv_of(service.command),
        port=service.port,
        health=service.health,
        env={k: str(v) for k, v in service.env.items()},
        secret_names=list(config.secrets.keys),
        built_by="deploy",
    )


async def fetch(ctx: Context, release: Release) -> Path:
    """The release's source in its long-lived folder (fetched once per version and host)."""
    folder = ctx.host.cache_dir / "releases" / release.service / release.version
    ready = folder / ".orchestra-ready"
    if ready.exists():
        return folder
    async with file_lock(folder.with_suffix(".lock")):
        if not ready.exists():
            if folder.exists():
                await anyio.to_thread.run_sync(shutil.rmtree, folder)
            await ctx.host.workspaces.checkout(release.repo, release.commit, folder)
            ready.write_text(release.commit)
    return folder


def secret_env(names: list[str], service: str) -> dict[str, str]:
    missing = [n for n in names if n not in os.environ]
    if missing:
        raise TaskFailed(
            f"{service} needs the secret(s) {', '.join(missing)}: set them in the deploy peer's environment"
        )
    return {n: os.environ[n] for n in names}


async def materialize(
    ctx: Context,
    release: Release,
    service: Service,
    secret_names: Sequence[str] = (),
    discovered: Mapping[str, str] | None = None,
) -> AppSpec:
    """A release, ready to start: folder, dependencies, argv and environment (local), or the
    image and environment (docker). Secrets: the release's names, else ``secret_names``.
    ``discovered``: where the service's dependencies answer (``BACKEND_URL``); the config's
    own ``env`` wins over it."""
    discovered = dict(discovered or {})
    secrets = secret_env(list(release.secret_names or secret_names), service.name)
    if release.kind == "image":
        return AppSpec(
            service=service.name,
            version=release.version,
            health=release.health or service.health,
            env={**release.env, **discovered, **{k: str(v) for k, v in service.env.items()}, **secrets},
            image=f"{release.image}@{release.digest}" if release.digest else release.image,
            container_port=release.port or service.port,
        )
    folder = await fetch(ctx, release)
    service_dir = (folder / release.path).resolve()
    if not service_dir.is_dir():
        raise TaskFailed(f"{release.service}: the release has no folder {release.path!r}")
    argv = list(release.start) or argv_of(service.command)
    language = release.language if release.language != "unknown" else (service.language or "unknown")
    if not argv:
        detected = detect_service(service_dir, service.name, release.path)
        if detected is None or not detected.start:
            raise TaskFailed(
                f"{service.name}: no start command "
                "(set deployment.services[].command in devops_orchestra.yaml)"
            )
        argv, language = list(detected.start), detected.language
    env: dict[str, str] = {k: os.environ[k] for k in BASE_ENV if k in os.environ}
    env["PYTHONUNBUFFERED"] = "1"
    if language == "python" or argv[0] in ("python", "python3"):
        venv = await python_env(service_dir, ctx.host.cache_dir, extras=release.python_extras)
        argv = venv.command(argv)
        env = venv.env(env)
    elif language == "node" or argv[0] in ("node", "npm", "npx"):
        await node_env(service_dir, ctx.host.cache_dir)
        env["PATH"] = f"{service_dir / 'node_modules' / '.bin'}:{env.get('PATH', '/usr/bin:/bin')}"
    env.update(release.env)
    env.update(discovered)
    env.update({k: str(v) for k, v in service.env.items()})
    env["ORCHESTRA_VERSION"] = release.version
    env.update(secrets)
    return AppSpec(
        service=service.name,
        version=release.version,
        health=release.health or service.health,
        argv=tuple(argv),
        cwd=service_dir,
        env=env,
    )
