"""The reaper: posts retries whose backoff elapsed, and takes over tasks whose owner stopped
renewing (XAUTOCLAIM); tasks out of attempts go to the dead-letter stream."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import anyio

from blackboard import TRANSIENT_ERRORS, Board, Claim

from ._backoff import Backoff
from ._inflight import InFlight
from .stats import PeerStats

log = logging.getLogger(__name__)


class Reaper:
    def __init__(
        self,
        board: Board,
        peer_id: str,
        capabilities: Sequence[str],
        inflight: InFlight,
        stats: PeerStats,
        spawn: Callable[[Claim], None],
        interval_s: float,
        prune_interval_s: float,
    ) -> None:
        self._board = board
        self._peer = peer_id
        self._caps = list(capabilities)
        self._inflight = inflight
        self._stats = stats
        self._spawn = spawn
        self._interval = interval_s
        self._prune_interval = prune_interval_s
        self._cursors: dict[tuple[int, str], str] = {}

    async def run(self, stop: anyio.Event) -> None:
        backoff = Backoff()
        next_prune = anyio.current_time() + self._prune_interval
        while not stop.is_set():
            with anyio.move_on_after(self._interval):
                await stop.wait()
            if stop.is_set():
                return
            try:
                await self.tick()
                if anyio.current_time() >= next_prune:
                    next_prune = anyio.current_time() + self._prune_interval
                    if removed := await self._board.peers.prune(self._caps):
                        log.info("forgot %d peer(s) that stopped: %s", len(removed), ", ".join(removed))
            except TRANSIENT_ERRORS as exc:
                if not backoff.failing:
                    log.warning("reaper: board unreachable (%s); retrying", exc)
                await backoff.wait()
                continue
            backoff.reset()

    async def tick(self) -> None:
        board = self._board
        for part in board.keys.all_partitions():
            await board.tasks.promote(part)
        for part in board.keys.all_partitions():
            for cap in self._caps:
                free = self._inflight.free
                if free <= 0:
                    return
                key = (part.number, cap)
                reaped = await board.tasks.reap(self._peer, part, cap, self._cursors.get(key, "0-0"), free)
                self._cursors[key] = reaped.cursor
                if reaped.dead:
                    log.warning(
                        "%d %s task(s) used up their attempts; moved to the dead letters", reaped.dead, cap
                    )
                for claim in reaped.claims:
                    log.info(
                        "took over %s (attempt %d of %d)", claim.task_id, claim.attempt, claim.max_attempts
                    )
                    self._stats.reassigned += 1
                    self._spawn(claim)
