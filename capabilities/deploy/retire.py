"""Retiring an old version kept at weight 0 after a promotion (for a fast switch back): out of
the route table first, then drained and stopped."""

from __future__ import annotations

import time
from collections.abc import Sequence

import anyio

from ..router import VersionRoute
from .runtimes import Instance, RoutedRuntime

DRAIN_S = 30.0


async def retire(runtime: RoutedRuntime, instances: Sequence[Instance]) -> list[str]:
    """Take these instances' versions out of the table and stop them; returns the versions."""
    versions = {i.version for i in instances}
    if not versions:
        return []
    table = await runtime.table()
    kept = [r for r in table.routes if r.version not in versions]
    stable = table.stable if table.stable not in versions else (kept[0].version if kept else None)
    if kept != list(table.routes):
        await runtime.route([VersionRoute.model_validate(r.model_dump()) for r in kept], stable)
    for instance in instances:
        await runtime.stop(instance, drain_s=DRAIN_S)
    return sorted(versions)


async def retire_due(runtime: RoutedRuntime, *, wait: bool = False) -> list[str]:
    """Retire the instances whose ``retire_at`` has come (``wait``: wait for the latest first)."""
    pending = [i for i in await runtime.instances() if i.retire_at is not None]
    if not pending:
        return []
    if wait:
        await anyio.sleep(max(0.0, max(i.retire_at or 0 for i in pending) - time.time()))  # scale-down delay
    due = [i for i in pending if (i.retire_at or 0) <= time.time()]
    return await retire(runtime, due)
