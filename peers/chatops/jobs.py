"""Work that follows an ack: a few workers under the bot's task group, never loose tasks.

Slack wants an answer within 3 s; resolving a ref, creating a run and posting its thread happen
after it, here. A full queue is said at once (the ack tells the person to try again).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import anyio
from anyio.abc import ObjectReceiveStream

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]
QUEUE = 100


class Jobs:
    def __init__(self, workers: int = 4, queue: int = QUEUE) -> None:
        self._workers = workers
        self._send, self._receive = anyio.create_memory_object_stream[Job](queue)
        self.running = 0
        self.done = 0
        """Jobs finished (well or not): tests wait on it."""

    def submit(self, job: Job) -> bool:
        """Queue ``job``; False when the queue is full or the bot is stopping."""
        try:
            self._send.send_nowait(job)
        except (anyio.WouldBlock, anyio.ClosedResourceError, anyio.BrokenResourceError):
            return False
        return True

    def close(self) -> None:
        """Take no more jobs; ``run`` returns once the queued ones are done."""
        self._send.close()

    async def run(self) -> None:
        async with anyio.create_task_group() as tg:
            for _ in range(self._workers):
                tg.start_soon(self._worker, self._receive.clone())
        self._receive.close()

    async def _worker(self, jobs: ObjectReceiveStream[Job]) -> None:
        async with jobs:
            async for job in jobs:
                self.running += 1
                try:
                    await job()
                except Exception:
                    log.exception("a chat job failed")
                finally:
                    self.running -= 1
                    self.done += 1
