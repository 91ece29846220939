"""The rollback stage: a service's traffic back to its last healthy version, on demand (ChatOps,
the CLI, a task a run adds to itself)."""

from __future__ import annotations

from blackboard import Claim

from ..base import Availability, Result
from ..context import Context
from ..deploy.history import History, project_name
from ..deploy.runtimes import open_runtime
from ..errors import TaskFailed
from .logic import roll_back


class Rollback:
    name = "rollback"

    def available(self) -> Availability:
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        """Inputs: ``service``; optional ``from`` (the bad version; the serving one by default)
        and ``reason``."""
        config = await ctx.config()
        service = await ctx.service()
        name = service.name
        history = History(ctx, project_name(config), name)
        current = await history.last_healthy()
        bad = str(task.inputs.get("from") or (current.version if current else ""))
        if not bad:
            raise TaskFailed(f"{name} has no deployed version to roll back")
        if await history.last_healthy(exclude=bad) is None:
            raise TaskFailed(f"{name} has no healthy version before {bad} to roll back to")
        runtime = await open_runtime(ctx.host.cache_dir, config, service)
        outcome = await roll_back(
            ctx,
            runtime,
            history,
            service,
            bad=bad,
            reason=str(task.inputs.get("reason") or "rollback requested"),
            secret_names=config.secrets.keys,
        )
        return Result(f"{name} rolled back from {bad} to {outcome.to}", outcome.encode())
