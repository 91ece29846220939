"""Ledgers: small named logs that outlive runs (a service's deploy history), newest first."""

from __future__ import annotations

import json
import time
from typing import Any

from ._core import Core


class Ledger:
    def __init__(self, core: Core) -> None:
        self._c = core

    async def append(self, name: str, entry: dict[str, Any], maxlen: int = 1000) -> dict[str, Any]:
        """Add an entry (stamped with ``ts_ms``); the ledger keeps the newest ``maxlen``."""
        stamped = {"ts_ms": time.time_ns() // 1_000_000, **entry}
        key = self._c.keys.ledger(name)
        pipe = self._c.redis.pipeline(transaction=True)
        pipe.lpush(key, json.dumps(stamped, separators=(",", ":")))
        pipe.ltrim(key, 0, maxlen - 1)
        await pipe.execute()
        if self._c.wakeup is not None:
            self._c.wakeup.notify()
        return stamped

    async def read(self, name: str, limit: int = 100) -> list[dict[str, Any]]:
        raw = await self._c.redis.lrange(self._c.keys.ledger(name), 0, limit - 1)
        return [json.loads(r) for r in raw]
