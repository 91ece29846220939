"""Deploy strategies, one module each: ``blue-green``, ``canary``, ``rolling``; and the first
deploy of a service (no stable version yet), which starts it and routes all traffic to it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..runtimes import Instance
from . import blue_green, canary, rolling
from ._rollout import Outcome, Rollout

Strategy = Callable[[Rollout, list[Instance]], Awaitable[Outcome]]

STRATEGIES: dict[str, Strategy] = {
    "blue-green": blue_green.deploy,
    "canary": canary.deploy,
    "rolling": rolling.deploy,
}


async def initial(rollout: Rollout) -> Outcome:
    """The first deploy: start every replica, route 100 % once all are healthy."""
    instances = await rollout.start_replicas("stable", range(rollout.service.replicas))
    await rollout.route((rollout.version, 1, instances), stable=rollout.version)
    await rollout.step(weight=100, first=True)
    return Outcome("promoted")


__all__ = ["STRATEGIES", "Outcome", "Rollout", "Strategy", "initial"]
