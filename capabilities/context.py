"""What a capability gets to do its task; it never talks to Redis directly."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from blackboard import Artifact, Board, Claim, TaskSpec


class Context:
    """The task's window on the board: artifacts, events and growing its run.

    Every write is fenced by the task's token, so a peer that lost the lease can no
    longer change what the new owner produces.
    """

    def __init__(self, board: Board, task: Claim, peer_id: str) -> None:
        self._board = board
        self.task = task
        self.peer_id = peer_id
        self.log = logging.LoggerAdapter(
            logging.getLogger(f"capabilities.{task.capability}"),
            {"task": task.task_id, "peer": peer_id},
        )

    async def put_artifact(
        self,
        name: str,
        data: bytes | str,
        *,
        content_type: str = "application/octet-stream",
        meta: dict[str, Any] | None = None,
    ) -> Artifact:
        return await self._board.artifacts.put(
            self.task.run_id, name, data, content_type=content_type, meta=meta, claim=self.task
        )

    async def get_artifact(self, name: str) -> bytes:
        return await self._board.artifacts.get(self.task.run_id, name)

    async def emit(self, kind: str, data: dict[str, Any] | None = None) -> None:
        await self._board.events.emit(kind, self.task.run_id, self.task.task_id, data)

    async def add_tasks(
        self, specs: Sequence[TaskSpec], *, before: Mapping[str, Sequence[str]] | None = None
    ) -> int:
        """Grow this task's run (a rollback after a failed canary, a corrected build)."""
        return await self._board.runs.add_tasks(self.task.run_id, specs, before=before, parent=self.task)
