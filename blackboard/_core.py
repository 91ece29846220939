"""What every part of the board shares: the clients, the scripts, the key names, the settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio

from ._scripts import Arg, Scripts
from .keys import GROUP, Keys, Partition
from .settings import BoardSettings

T = TypeVar("T")


class LocalWakeup:
    """Blocking reads for the embedded board, whose fake Redis cannot block.

    Every write through the board calls ``notify``; a reader takes the current event
    before it reads, so a write that lands between its read and its wait still wakes it.
    """

    def __init__(self) -> None:
        self._event: anyio.Event | None = None

    def notify(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    def _current(self) -> anyio.Event:
        if self._event is None:
            self._event = anyio.Event()
        return self._event

    async def read(self, fetch: Callable[[], Awaitable[T]], block_ms: int) -> T:
        event = self._current()
        result = await fetch()
        if result or block_ms <= 0:
            return result
        with anyio.move_on_after(block_ms / 1000):
            await event.wait()
        return await fetch()


# redis-py's annotations cannot say that a client made with decode_responses=True returns str
# (they promise bytes | str everywhere), so the clients are typed loosely here.
StrRedis = Any
BytesRedis = Any


@dataclass(frozen=True)
class Core:
    redis: StrRedis  # a redis.asyncio.Redis whose replies are decoded to str
    raw: BytesRedis  # the same server, replies as bytes (artifact blobs)
    scripts: Scripts
    keys: Keys
    settings: BoardSettings
    wakeup: LocalWakeup | None = None

    def args(self, part: Partition) -> list[Arg]:
        """The three ARGV every script starts with (see scripts/_lib.lua)."""
        return [part.prefix, GROUP, self.settings.events_maxlen]

    async def blocking(self, fetch: Callable[[int | None], Awaitable[Any]], block_ms: int) -> Any:
        """Run a read that may block up to ``block_ms`` on either kind of board."""
        if self.wakeup is None:
            return await fetch(block_ms if block_ms > 0 else None)
        return await self.wakeup.read(lambda: fetch(None), block_ms)
