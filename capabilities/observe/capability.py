"""The observe stage: after a promotion, watch the serving version for
``observability.watch`` seconds (and at least until the previous version's scale-down time);
an anomaly that lasts ``failure_limit`` analyses rolls back to the last healthy version.
At the end the previous version, kept for a fast switch back, is retired."""

from __future__ import annotations

import time

from blackboard import Claim

from ..base import Availability, Result
from ..context import Context
from ..deploy.history import History, project_name
from ..deploy.retire import retire_due
from ..deploy.runtimes import open_runtime
from ..errors import TaskFailed
from ..rollback.errors import RolledBack
from ..rollback.logic import roll_back
from .analysis import Analysis, Analyzer, Limits
from .probe import Probe
from .watch import watch


class Observe:
    name = "observe"

    def available(self) -> Availability:
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        config = await ctx.config()
        service = await ctx.service()
        name = service.name
        if service.runtime == "kubernetes":
            # the cluster's metrics (ingress, Prometheus) are not read here: the analysis runs on
            # runtimes whose traffic goes through our router
            return Result(
                f"{name}: not observed: runtime kubernetes has no metrics source here", {"observed": False}
            )
        history = History(ctx, project_name(config), name)
        current = await history.last_healthy()
        if current is None:
            raise TaskFailed(f"{name} has no promoted version to observe")
        runtime = await open_runtime(ctx.host.cache_dir, config, service)
        instances = await runtime.instances()
        if not [i for i in instances if i.version == current.version and await runtime.running(i)]:
            raise TaskFailed(f"{name} {current.version} is not running on this host")
        limits = Limits.from_config(config)
        retire_at = max((i.retire_at for i in instances if i.retire_at), default=0.0)
        watch_s = max(config.observability.watch, retire_at - time.time())
        alerting = False

        async def alert(analysis: Analysis) -> None:
            nonlocal alerting
            if not analysis.ok and not alerting:
                await ctx.emit(
                    "alert", {"service": name, "version": current.version, "checks": analysis.metrics()}
                )
            alerting = not analysis.ok

        verdict = await watch(
            Analyzer(runtime, limits, service.health, Probe(runtime.url, service.probe, limits.probe_rps)),
            current.version,
            until=time.monotonic() + watch_s,
            on_analysis=alert,
        )
        data = {
            "service": name,
            "version": current.version,
            "url": runtime.url,
            "watched_s": round(watch_s, 3),
            "analysis": verdict.summary(),
        }
        if not verdict.ok:
            if not config.rollback.enabled:
                raise TaskFailed(f"{name} {current.version}: {verdict.reason} (rollback is disabled)")
            outcome = await roll_back(
                ctx,
                runtime,
                history,
                service,
                bad=current.version,
                reason=f"observe: {verdict.reason}",
                metrics=verdict.last.metrics() if verdict.last else {},
                secret_names=config.secrets.keys,
            )
            where = f"traffic is back on {outcome.to}" if outcome.to else "no healthy version to go back to"
            raise RolledBack(f"{name} {current.version} rolled back: {verdict.reason}; {where}")
        data["retired"] = await retire_due(runtime, wait=True)
        return Result(f"{name} {current.version} healthy for {watch_s:.0f}s", data)
