"""Outcomes on their way to the board: batched into one round trip, kept through outages."""

from __future__ import annotations

import logging
from collections.abc import Callable

import anyio

from blackboard import TRANSIENT_ERRORS, Board, BoardError, Outcome, Settled

from ._backoff import Backoff

log = logging.getLogger(__name__)

BATCH = 256


class Outbox:
    def __init__(
        self, board: Board, peer_id: str, on_settled: Callable[[Outcome, Settled | None], None]
    ) -> None:
        self._board = board
        self._peer = peer_id
        self._on_settled = on_settled
        self._pending: list[Outcome] = []
        self._wake = anyio.Event()

    def put(self, outcome: Outcome) -> None:
        self._pending.append(outcome)
        self._wake.set()

    @property
    def empty(self) -> bool:
        return not self._pending

    async def run(self) -> None:
        backoff = Backoff()
        while True:
            await self._wake.wait()
            self._wake = anyio.Event()
            while self._pending:
                batch = self._pending[:BATCH]
                try:
                    settled: list[Settled | None] = list(await self._board.tasks.settle(self._peer, batch))
                except TRANSIENT_ERRORS as exc:
                    if not backoff.failing:
                        log.warning(
                            "board unreachable (%s); keeping %d outcome(s) to send", exc, len(self._pending)
                        )
                    await backoff.wait()
                    continue
                except BoardError:
                    settled = [await self._one(o) for o in batch]
                if backoff.failing:
                    log.info("board reachable again; outcomes sent")
                backoff.reset()
                del self._pending[: len(batch)]
                for outcome, result in zip(batch, settled, strict=True):
                    self._on_settled(outcome, result)

    async def _one(self, outcome: Outcome) -> Settled | None:
        """Send one outcome alone, so a malformed one cannot hold back the others."""
        try:
            return (await self._board.tasks.settle(self._peer, [outcome]))[0]
        except BoardError:
            log.exception("the board refused the outcome of %s; its lease will expire", outcome.claim.task_id)
            return None
