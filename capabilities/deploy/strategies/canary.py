"""Canary: the new version takes ``strategy.steps`` percent of the traffic in turn (10 -> 50 ->
100), with an analysis at each step; ``failure_limit`` consecutive failed analyses (or a
dependency's rollback) abort and roll back; passing the 100 % step promotes."""

from __future__ import annotations

from ..runtimes import Instance
from ._rollout import Outcome, Rollout


async def deploy(rollout: Rollout, stable: list[Instance]) -> Outcome:
    old = stable[0].version
    canary = await rollout.start_replicas("canary", range(rollout.service.replicas))
    verdicts = []
    for weight in rollout.strategy.steps:
        await rollout.route((old, 100 - weight, stable), (rollout.version, weight, canary), stable=old)
        await rollout.step(weight=weight)
        verdict = await rollout.verify(ticks=1)
        verdicts.append(verdict)
        if not verdict.ok:
            return await rollout.abort(
                f"canary {rollout.version} aborted at {weight}%: {verdict.reason}", verdicts
            )
    await rollout.route((rollout.version, 1, canary), (old, 0, stable), stable=rollout.version)
    return Outcome("promoted", verdicts=verdicts, previous=stable)
