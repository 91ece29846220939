"""A small shared cache with TTLs (LLM answers keyed by prompt hash, shared by every peer)."""

from __future__ import annotations

from ._core import Core


class Cache:
    def __init__(self, core: Core) -> None:
        self._c = core

    async def get(self, key: str) -> bytes | None:
        value: bytes | None = await self._c.raw.get(self._c.keys.cache(key))
        return value

    async def set(self, key: str, value: bytes | str, ttl_s: int = 7 * 24 * 3600) -> None:
        await self._c.raw.set(self._c.keys.cache(key), value, ex=ttl_s)
