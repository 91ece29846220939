"""Rolling: replicas replaced ``strategy.batch_size`` at a time. Each batch of the new version is
started and health-checked, then takes the place of as many old replicas in the router (every
replica gets an equal share), the old ones drain and stop, and an analysis runs before the
next batch. A failed analysis streak rolls back (old replicas started again as needed)."""

from __future__ import annotations

from collections.abc import Sequence

from ..runtimes import Instance
from ._rollout import DRAIN_S, Outcome, Rollout


async def _route(
    rollout: Rollout, old_version: str, old: Sequence[Instance], new: Sequence[Instance]
) -> None:
    routes = []
    if old:
        routes.append((old_version, len(old), old))
    if new:
        routes.append((rollout.version, len(new), new))
    await rollout.route(*routes, stable=old_version if old else rollout.version)


async def deploy(rollout: Rollout, stable: list[Instance]) -> Outcome:
    old_version = stable[0].version
    old = sorted(stable, key=lambda i: i.replica)
    new: list[Instance] = []
    target = rollout.service.replicas
    verdicts = []
    while len(new) < target:
        size = min(rollout.strategy.batch_size, target - len(new))
        batch = await rollout.start_replicas("canary", range(len(new), len(new) + size))
        new += batch
        leaving, old = old[:size], old[size:]
        if len(new) == target:
            leaving, old = leaving + old, []
        await _route(rollout, old_version, old, new)
        for instance in leaving:
            await rollout.runtime.stop(instance, drain_s=DRAIN_S)
        await rollout.step(replaced=len(new), of=target, batch=size)
        verdict = await rollout.verify(ticks=1)
        verdicts.append(verdict)
        if not verdict.ok:
            return await rollout.abort(
                f"rolling update to {rollout.version} aborted after {len(new)} of {target} replicas: "
                f"{verdict.reason}",
                verdicts,
            )
    return Outcome("promoted", verdicts=verdicts)
