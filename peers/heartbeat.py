"""The heartbeat: keeps the peer's registry entry alive and reports its counters."""

from __future__ import annotations

import logging
import time

import anyio

from blackboard import TRANSIENT_ERRORS, Board, Heartbeat, PeerInfo

from ._inflight import InFlight
from .stats import PeerStats

log = logging.getLogger(__name__)


class HeartbeatLoop:
    def __init__(
        self, board: Board, info: PeerInfo, inflight: InFlight, stats: PeerStats, interval_s: float
    ) -> None:
        self._board = board
        self._info = info
        self._inflight = inflight
        self._stats = stats
        self._interval = interval_s
        self.state = "running"

    def snapshot(self) -> Heartbeat:
        s = self._stats
        return Heartbeat(
            ts_ms=time.time_ns() // 1_000_000,
            state=self.state,
            inflight=self._inflight.running,
            claimed=s.claimed,
            succeeded=s.succeeded,
            failed=s.failed,
            refused=s.refused,
            reassigned=s.reassigned,
        )

    async def beat(self) -> None:
        await self._board.peers.beat(self._info, self.snapshot())

    async def run(self) -> None:
        while True:
            try:
                await self.beat()
            except TRANSIENT_ERRORS as exc:
                log.warning("heartbeat failed: %s", exc)
            await anyio.sleep(self._interval)
