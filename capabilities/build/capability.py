"""The ``build`` capability: per service, the release the deploy stage gets (``release/<service>.json``).

    runtime local                            a local release: env installed, start command resolved
    runtime docker/kubernetes/ec2/lambda     an image: Dockerfile (repository or generated and
                                             validated), built through the engine, pushed
    build.tool maven/npm/poetry/custom       the tool runs first; what it made is in the release

Availability: the capability is always advertised, since local releases need no engine; whether
images can be built is decided per task (a task that needs an image on a peer with no engine
fails with "no Docker-compatible engine: set DOCKER_HOST ..."). ``available()`` says which it is.
"""

from __future__ import annotations

import logging
from typing import Any

from blackboard import Claim

from ..base import Availability, Result
from ..context import Context
from ..detect import ServiceStack, detect_service
from ..errors import TaskFailed
from ..heal import fixes_for, packages_to_add
from ..release import artifact_name
from .dockerfile import Refiner, no_refinement
from .engine import Engine
from .errors import NoEngine
from .image import image_release
from .local import ReleaseBase, local_release
from .refine import refiner_for
from .tools import ToolBuild, run_build_tool

log = logging.getLogger(__name__)


class Build:
    name = "build"

    def __init__(self, refine: Refiner = no_refinement) -> None:
        self.refine = refine
        """Proposes a better Dockerfile than the template's (the LLM, later); validation decides."""

    def available(self) -> Availability:
        """Always available (local releases need nothing); the reason says whether images can be built."""
        try:
            engine = Engine.connect()
        except NoEngine as exc:
            return Availability(True, f"local releases only; images need an engine ({exc})")
        try:
            info = engine.describe()
        finally:
            engine.close()
        return Availability(True, f"local releases and images ({info['engine']} at {info['url']})")

    async def run(self, task: Claim, ctx: Context) -> Result:
        config = await ctx.config()
        service = await ctx.service()
        name = service.name
        run = await ctx.run()
        root = (await ctx.checkout()).resolve()
        service_dir = (root / service.path).resolve()
        if not service_dir.is_dir() or not service_dir.is_relative_to(root):
            raise TaskFailed(f"service {name!r}: its path {service.path!r} is not a folder of the repository")
        stack = detect_service(service_dir, name, service.path) or ServiceStack(
            name=name, path=service.path, language=service.language or "unknown"
        )
        base = ReleaseBase(
            service=name,
            version=f"{run.meta.commit[:7]}-{task.attempt}",
            repo=run.meta.repo,
            commit=run.meta.commit,
            path=service.path,
            built_by=ctx.peer_id,
        )
        data: dict[str, Any] = {"service": name, "runtime": service.runtime, "version": base.version}
        added = packages_to_add(await fixes_for(ctx, task), "python") if stack.language == "python" else []
        if added:  # a corrected attempt: the diagnosis found these requirements missing
            data["fixes_applied"] = [{"kind": "add_requirement", "package": p} for p in added]
        tool: ToolBuild | None = None
        if config.build.tool != "docker":
            tool = await run_build_tool(
                config.build, service_dir, stack, ctx.host.cache_dir, list(config.secrets.keys)
            )
            data["tool"] = tool.encode()
        artifact = tool.artifact if tool else None

        if service.runtime == "local":
            local = await local_release(
                base,
                service_dir,
                service,
                stack,
                config,
                ctx.host.cache_dir,
                artifact=artifact,
                added_requirements=added,
            )
            release = local.release
            data |= {
                "kind": "local",
                "start": release.start,
                "resolved": local.resolved,
                "python_env": release.python_env,
                "node_env": release.node_env,
                "notes": local.notes,
            }
            summary = f"local release {release.version}: {' '.join(release.start)}"
        else:
            refine, ai = self.refine, {"backend": "custom"}
            if refine is no_refinement:
                files = sorted(p.name for p in service_dir.iterdir())[:60]
                refine, ai = refiner_for(config.ai, ctx.cache, config.secrets.keys, files)
            data["dockerfile_ai"] = ai
            built = await image_release(
                ctx,
                base,
                root,
                service_dir,
                service,
                stack,
                config,
                refine=refine,
                branch=run.meta.branch or "main",
                artifact=artifact,
                added_requirements=added,
            )
            release, summary = built.release, built.summary
            data |= built.data
        if tool:
            summary += f"; {tool.tool} built {tool.artifact}"
        await ctx.put_artifact(
            artifact_name(name), release.model_dump_json(indent=2), content_type="application/json"
        )
        data["release"] = artifact_name(name)
        await ctx.emit(
            "build.release",
            {
                "service": name,
                "kind": release.kind,
                "version": release.version,
                "image": release.image,
                "digest": release.digest,
            },
        )
        return Result(f"{name}: {summary}", data)
