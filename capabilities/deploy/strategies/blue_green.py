"""Blue-green: start green (all replicas), check its health, switch all traffic at once; verify
for ``failure_limit`` analyses with blue still up (switching back is one table change); blue
stays for ``strategy.scale_down_delay`` after promotion, then stops."""

from __future__ import annotations

from ..runtimes import Instance
from ._rollout import Outcome, Rollout


async def deploy(rollout: Rollout, stable: list[Instance]) -> Outcome:
    blue = stable[0].version
    green = await rollout.start_replicas("canary", range(rollout.service.replicas))
    await rollout.route((rollout.version, 1, green), (blue, 0, stable), stable=blue)
    await rollout.step(weight=100, switched_from=blue)
    verdict = await rollout.verify(ticks=rollout.limits.failure_limit)
    if not verdict.ok:
        return await rollout.abort(
            f"blue-green {rollout.version} switched back to {blue}: {verdict.reason}", [verdict]
        )
    await rollout.route((rollout.version, 1, green), (blue, 0, stable), stable=rollout.version)
    return Outcome("promoted", verdicts=[verdict], previous=stable)
