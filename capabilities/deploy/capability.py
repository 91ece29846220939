"""The deploy stage: a service's release rolled out with the configured strategy behind its router."""

from __future__ import annotations

import logging
import time
from typing import Any

from blackboard import Claim

from ..base import Availability, Result
from ..config.models import OrchestraConfig
from ..context import Context
from ..errors import TaskFailed
from ..heal import fixes_for
from ..observe.analysis import Limits
from ..rollback.errors import RolledBack
from ..router import VersionRoute
from .history import DeployRecord, History, project_name
from .kube_rollout import deploy_kubernetes
from .materialize import materialize, release_for
from .retire import retire, retire_due
from .runtimes import Instance, InstanceFailed, RoutedRuntime, open_runtime
from .strategies import STRATEGIES, Outcome, Rollout, initial

log = logging.getLogger(__name__)


async def _discover(ctx: Context, project: str, dependencies: list[str]) -> dict[str, str]:
    """``<DEPENDENCY>_URL`` for each dependency that serves: where this service finds it."""
    env: dict[str, str] = {}
    for dep in dependencies:
        record = await History(ctx, project, dep).last_healthy()
        if record and record.url:
            env[f"{dep.upper().replace('-', '_')}_URL"] = record.url
    return env


class Deploy:
    name = "deploy"

    def available(self) -> Availability:
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        config = await ctx.config()
        service = await ctx.service()
        name = service.name
        project = project_name(config)
        if service.runtime == "kubernetes":
            return await deploy_kubernetes(ctx, await release_for(ctx, service, config), service, config)
        fixes = await fixes_for(ctx, task)  # a corrected retry: the diagnosis' fixes
        any_port = any(f.get("kind") == "free_port" for f in fixes)
        runtime = await open_runtime(ctx.host.cache_dir, config, service, any_port=any_port)
        release = await release_for(ctx, service, config)
        app = await materialize(
            ctx, release, service, config.secrets.keys, await _discover(ctx, project, service.depends_on)
        )
        history = History(ctx, project, name)
        current = await history.last_healthy()
        instances = await runtime.instances()
        live = {i.id for i in instances if await runtime.running(i)}
        stable = [i for i in instances if current and i.version == current.version and i.id in live]
        strategy = config.deployment.strategy
        data: dict[str, Any] = {
            "service": name,
            "version": release.version,
            "strategy": strategy.type if stable else "initial",
            "runtime": runtime.name,
            "url": runtime.url,
            "previous": current.version if current and stable else None,
        }
        if current and current.version == release.version and len(stable) >= service.replicas:
            return Result(
                f"{name} {release.version} already serves at {runtime.url}", {**data, "unchanged": True}
            )
        if stable:  # leftovers of an earlier rollout: out of the table, then stopped
            await runtime.route(
                [_route(current.version, stable)] if current else [],
                stable=current.version if current else None,
            )
        await _stop(runtime, [i for i in instances if i not in stable])
        rollout = Rollout(
            ctx=ctx,
            service=service,
            strategy=strategy,
            runtime=runtime,
            history=history,
            release=release,
            app=app,
            limits=Limits.from_config(config, strategy.interval),
            dependencies=[History(ctx, project, dep) for dep in service.depends_on],
            secret_names=config.secrets.keys,
        )
        try:
            outcome = await (STRATEGIES[strategy.type](rollout, stable) if stable else initial(rollout))
        except InstanceFailed as exc:
            await history.record(_entry(rollout, data, "failed", str(exc)))
            await ctx.emit("deploy.failed", {**data, "reason": str(exc)})
            raise TaskFailed(str(exc)) from None
        data.update(analysis=outcome.analysis(), steps=rollout.steps)
        if outcome.status != "promoted":
            back = outcome.rollback.to if outcome.rollback else None
            raise RolledBack(f"{outcome.reason}; traffic is back on {back or 'nothing: no healthy version'}")
        await self._promote(ctx, rollout, outcome, data, config)
        return Result(f"{name} {release.version} serves at {runtime.url} ({data['strategy']})", data)

    async def _promote(
        self, ctx: Context, rollout: Rollout, outcome: Outcome, data: dict[str, Any], config: OrchestraConfig
    ) -> None:
        runtime = rollout.runtime
        for instance in await runtime.instances():
            if instance.version == rollout.version:
                await runtime.mark(instance, track="stable", retire_at=None)
        last = outcome.verdicts[-1].last if outcome.verdicts else None
        await rollout.history.record(_entry(rollout, data, "promoted", "", last.metrics() if last else {}))
        await ctx.emit(
            "deploy.promoted", {k: data[k] for k in ("service", "version", "strategy", "runtime", "url")}
        )
        if not outcome.previous:
            return
        retire_at = time.time() + rollout.strategy.scale_down_delay
        for instance in outcome.previous:
            await runtime.mark(instance, track="previous", retire_at=retire_at)
        data["retire_previous_at"] = retire_at
        observed = any(t.spec == f"observe:{rollout.service.name}" for t in await ctx.tasks())
        if not observed:  # nobody else will stop the old version: wait out the delay here
            data["retired"] = await retire_due(runtime, wait=True)


def _route(version: str, instances: list[Instance]) -> VersionRoute:
    return VersionRoute(version=version, weight=1, upstreams=tuple(i.address for i in instances))


async def _stop(runtime: RoutedRuntime, instances: list[Instance]) -> None:
    if instances:
        await retire(runtime, instances)


def _entry(
    rollout: Rollout, data: dict[str, Any], status: str, reason: str, metrics: dict[str, Any] | None = None
) -> DeployRecord:
    return DeployRecord.model_validate(
        {
            "version": rollout.version,
            "status": status,
            "healthy": status == "promoted",
            "track": "stable" if status == "promoted" else "canary",
            "release": rollout.release.model_dump(mode="json"),
            "url": data["url"],
            "strategy": data["strategy"],
            "runtime": data["runtime"],
            "reason": reason,
            "metrics": metrics or {},
        }
    )
