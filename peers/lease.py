"""The lease keeper: renews every held task's lease each third of the lease; stops the handlers
of tasks this peer no longer owns."""

from __future__ import annotations

import logging

import anyio

from blackboard import TRANSIENT_ERRORS, Board

from ._inflight import InFlight
from .stats import PeerStats

log = logging.getLogger(__name__)


class LeaseKeeper:
    def __init__(
        self, board: Board, peer_id: str, inflight: InFlight, stats: PeerStats, interval_s: float
    ) -> None:
        self._board = board
        self._peer = peer_id
        self._inflight = inflight
        self._stats = stats
        self._interval = interval_s

    async def run(self) -> None:
        while True:
            await anyio.sleep(self._interval)
            await self.renew()

    async def renew(self) -> None:
        claims = self._inflight.claims()
        if not claims:
            return
        try:
            lost = await self._board.tasks.renew(self._peer, claims)
        except TRANSIENT_ERRORS as exc:
            log.warning("cannot renew %d lease(s): %s", len(claims), exc)
            return
        self._stats.renewals += len(claims) - len(lost)
        for task_id in lost:
            if self._inflight.lose(task_id):
                self._stats.lost += 1
                log.warning("lease on %s lost (reassigned or cancelled); stopping its handler", task_id)
