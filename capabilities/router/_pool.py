"""Keep-alive connections to upstreams, reused for a short idle time."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import anyio
import h11
from anyio.abc import ByteStream

from .table import split_address

IDLE_S = 2.0
"""An idle connection is reused for this long: under the usual server keep-alive timeouts (5 s)."""
MAX_IDLE_PER_UPSTREAM = 32
CONNECT_TIMEOUT_S = 2.0


@dataclass(eq=False)
class UpstreamConnection:
    address: str
    stream: ByteStream
    conn: h11.Connection = field(default_factory=lambda: h11.Connection(h11.CLIENT))
    idle_since: float = 0.0
    reused: bool = False

    @property
    def reusable(self) -> bool:
        return self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE

    async def aclose(self) -> None:
        with anyio.CancelScope(shield=True):
            try:
                await self.stream.aclose()
            except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
                pass


class Pool:
    def __init__(self) -> None:
        self._idle: dict[str, list[UpstreamConnection]] = {}

    async def acquire(self, address: str) -> UpstreamConnection:
        """An idle connection to ``address``, else a new one (OSError when refused)."""
        idle = self._idle.get(address)
        now = time.monotonic()
        while idle:
            up = idle.pop()
            if now - up.idle_since < IDLE_S:
                up.reused = True
                return up
            await up.aclose()
        host, port = split_address(address)
        with anyio.fail_after(CONNECT_TIMEOUT_S):
            stream = await anyio.connect_tcp(host, port)
        return UpstreamConnection(address, stream)

    async def release(self, up: UpstreamConnection, keep: bool) -> None:
        """Put a finished connection back (when it can carry another request and ``keep``)."""
        idle = self._idle.setdefault(up.address, [])
        if keep and up.reusable and len(idle) < MAX_IDLE_PER_UPSTREAM:
            up.conn.start_next_cycle()
            up.idle_since = time.monotonic()
            up.reused = False
            idle.append(up)
        else:
            await up.aclose()

    async def purge(self, keep: Iterable[str]) -> None:
        """Close the idle connections of upstreams that left the table."""
        wanted = set(keep)
        for address in [a for a in self._idle if a not in wanted]:
            for up in self._idle.pop(address):
                await up.aclose()

    async def close(self) -> None:
        await self.purge(())
