"""Dedupe keys: one action per webhook delivery id or chat request id."""

from __future__ import annotations

from ._core import Core


class Dedupe:
    def __init__(self, core: Core) -> None:
        self._c = core

    async def first(self, key: str, ttl_s: int | None = None) -> bool:
        """True the first time ``key`` is seen within its TTL, False after.

        To create a run once per delivery, pass ``dedupe_key`` to ``runs.create`` instead:
        there the check and the creation are one atomic step.
        """
        c = self._c
        ok = await c.redis.set(
            c.keys.for_key(key).dedupe(key), "1", nx=True, ex=ttl_s or c.settings.dedupe_ttl_s
        )
        return bool(ok)
