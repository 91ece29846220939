"""The tasks a peer holds: running handlers, and finished ones whose outcome is not yet on the board.

Both kinds keep their lease renewed; only running handlers take a concurrency slot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import anyio

from blackboard import Claim


@dataclass(slots=True)
class Held:
    claim: Claim
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    lost: bool = False
    """The lease was lost: another peer owns the task now, or the run was cancelled."""
    released: bool = False
    """Stopped at shutdown; the task goes back to the board."""


class InFlight:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._running: dict[str, Held] = {}
        self._settling: dict[str, Claim] = {}
        self._changed = anyio.Event()

    @property
    def free(self) -> int:
        return self.capacity - len(self._running)

    @property
    def running(self) -> int:
        return len(self._running)

    def start(self, claim: Claim) -> Held:
        held = Held(claim)
        self._running[claim.task_id] = held
        return held

    def finish(self, held: Held, *, outcome_queued: bool) -> None:
        self._running.pop(held.claim.task_id, None)
        if outcome_queued:
            self._settling[held.claim.task_id] = held.claim
        self._signal()

    def settled(self, task_id: str) -> None:
        self._settling.pop(task_id, None)
        self._signal()

    def claims(self) -> list[Claim]:
        """Everything whose lease must be kept."""
        return [h.claim for h in self._running.values()] + list(self._settling.values())

    def lose(self, task_id: str) -> bool:
        """Stop the handler of a task whose lease was lost; True if one was running."""
        self._settling.pop(task_id, None)
        held = self._running.get(task_id)
        if held is None:
            return False
        held.lost = True
        held.scope.cancel()
        return True

    def release_all(self) -> list[Held]:
        """Stop every running handler for shutdown."""
        held = list(self._running.values())
        for h in held:
            h.released = True
            h.scope.cancel()
        return held

    def _signal(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    async def wait_free(self) -> None:
        while self.free <= 0:
            await self._changed.wait()

    async def wait_idle(self) -> None:
        """Until no handler runs and every outcome is on the board."""
        while self._running or self._settling:
            await self._changed.wait()
