"""Run updates into Slack: one thread per run, its first message kept current with ``chat.update``.

The notifier reads the board's events through a consumer group (``board.events.subscribe``):
replicas of the bot share the group, so each event reaches one of them; a restart under the same
consumer name first takes back what it had read but not acknowledged. Each event is acknowledged
right after its post (and, for the last event of a run in a batch, after the first message is
rewritten), so a stop loses nothing and repeats nothing; only a crash between a post and its
acknowledgement can repeat that one post, as Slack has no idempotent post to close the gap.

``chatops.notify_on`` decides which events are posted into a thread; the first message follows
every change of the run's tasks whatever it says. A run not started from chat gets its thread
(in ``chatops.channel``) with the first event worth posting.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

import anyio
from anyio.abc import TaskStatus
from slack_sdk.errors import SlackApiError, SlackClientError

from blackboard import TRANSIENT_ERRORS, Event, NotFound, TaskState

from . import messages
from .bot import Bot
from .threads import Thread

log = logging.getLogger(__name__)

T = TypeVar("T")

CATEGORY: dict[str, str] = {
    "run.created": "start",
    "run.succeeded": "success",
    "run.failed": "failure",
    "run.cancelled": "failure",
    "task.failed": "failure",
    "task.dead": "failure",
    "deploy.failed": "failure",
    "alert": "failure",
    "approval.requested": "approval",
    "approval.granted": "approval",
    "approval.rejected": "approval",
    "rollback": "rollback",
    "deploy.promoted": "deploy",
}
"""Event kind -> the ``notify_on`` value that posts it into the run's thread."""
HEAD_PREFIXES = ("run.", "task.", "approval.")
"""Events that change what a run's first message shows."""
RETRYABLE_SLACK = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
RETRY_MAX_S = 10.0
EVENT_DEADLINE_S = 60.0
"""Longest a stop waits for the event in hand (a rate-limited Slack may ask for patience)."""
RETRYABLE: tuple[type[BaseException], ...] = (*TRANSIENT_ERRORS, SlackClientError, OSError)
"""Errors after which the notifier tries again (Redis or Slack unreachable, rate limits)."""


class Notifier:
    def __init__(self, bot: Bot, *, consumer: str | None = None, batch: int = 100) -> None:
        self.bot = bot
        self.group = bot.settings.group
        self.consumer = consumer or bot.settings.consumer
        self._batch = batch
        self._stopping = False
        self._chat_runs: dict[str, bool] = {}
        self._warned_no_channel = False
        self.posted = 0
        """Thread replies posted by this instance (tests and logs)."""
        self.acked = 0

    def stop(self) -> None:
        """Finish the event in hand, acknowledge it, and return from ``run``."""
        self._stopping = True

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        sub = self.bot.board.events.subscribe(self.group, self.consumer)
        await self._retrying(sub.open, "joining the events group")
        log.info("notifying from group %s as %s", self.group, self.consumer)
        task_status.started()
        while not self._stopping:
            events = await self._retrying(
                lambda: sub.read(count=self._batch, block_ms=self.bot.settings.read_block_ms),
                "reading events",
            )
            if events is None:
                break
            last_head = {e.run: i for i, e in enumerate(events) if e.run and e.kind.startswith(HEAD_PREFIXES)}
            for i, event in enumerate(events):
                with anyio.move_on_after(EVENT_DEADLINE_S, shield=True):  # a post and its ack go together
                    handled = await self._retrying(
                        partial(self._handle, event, last_head.get(event.run) == i), event.kind
                    )
                    if handled is None:  # stopping while Slack or the board was away: it stays pending
                        return
                    await self._retrying(partial(sub.ack, [event]), "acknowledging")
                    self.acked += 1
        log.info("notifier %s stopped", self.consumer)

    async def _handle(self, event: Event, update_head: bool) -> bool:
        try:
            return await self._notify(event, update_head)
        except SlackApiError as exc:
            if exc.response.get("error") in RETRYABLE_SLACK:
                raise
            log.warning(
                "Slack refused to notify %s of run %s: %s", event.kind, event.run, exc.response.get("error")
            )
            return True
        except RETRYABLE:
            raise  # retried
        except Exception:  # one bad event must not stop every notification after it
            log.exception(
                "event %s (%s) of run %s could not be notified; skipping it", event.id, event.kind, event.run
            )
            return True

    async def _notify(self, event: Event, update_head: bool) -> bool:
        if not event.run:
            return True
        config = self.bot.config
        post = CATEGORY.get(event.kind) in config.notify_on
        if not post and not update_head:
            return True
        thread = await self.bot.threads.get(event.run)
        if thread is None and await self._from_chat(event.run):
            thread = await self.bot.threads.wait(event.run)  # the command that started it opens it
        if thread is None:
            if not post:
                return True
            channel = config.channel
            if not channel:
                if not self._warned_no_channel:
                    log.warning(
                        "no chatops channel (ORCHESTRA_CHATOPS_CHANNEL or chatops.channel): runs not "
                        "started from chat are not notified"
                    )
                    self._warned_no_channel = True
                return True
            thread = await self.bot.threads.open(event.run, [channel])
        try:
            if post:
                await self._post(event, thread)
            if update_head:
                await self.bot.threads.update_head(thread)
        except NotFound:
            log.info("run %s is gone from the board; its event %s is skipped", event.run, event.id)
        return True

    async def _post(self, event: Event, thread: Thread) -> None:
        line = messages.event_line(event)
        if line is None:
            return
        message = messages.Message(line)
        if event.kind == "approval.requested":
            task = await self.bot.board.runs.task(event.task)
            if task.state is not TaskState.WAITING:
                return  # decided already (a chat rollback approves its own task): approval.granted says so
            message = messages.approval_request(line, event.task)
        await self.bot.threads.reply(thread, message)
        self.posted += 1

    async def _from_chat(self, run_id: str) -> bool:
        if run_id not in self._chat_runs:
            if len(self._chat_runs) > 10_000:
                self._chat_runs.clear()
            try:
                run = await self.bot.board.runs.get(run_id)
            except NotFound:
                return False
            self._chat_runs[run_id] = run.meta.trigger.startswith("chat:")
        return self._chat_runs[run_id]

    async def _retrying(self, op: Callable[[], Awaitable[T]], what: str) -> T | None:
        """``op``, again with backoff while the board or Slack is unreachable; None if told to stop."""
        delay = 0.1
        while True:
            try:
                return await op()
            except RETRYABLE as exc:
                if isinstance(exc, SlackApiError) and exc.response.get("error") not in RETRYABLE_SLACK:
                    raise
                if self._stopping:
                    return None
                log.warning("%s failed, trying again in %.1fs: %s", what, delay, exc)
                await anyio.sleep(delay)  # backoff while Redis or Slack is away
                delay = min(delay * 2, RETRY_MAX_S)
