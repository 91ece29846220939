"""One Slack thread per run, kept on the board so restarts and replicas use the same one.

The thread is the run's artifact ``chatops/thread.json`` (channel, ts of the first message, its
headline). Opening one is guarded by a dedupe key on the board: the first opener posts the first
message, anyone else waits for the artifact, so two replicas (or a command and a notification)
never start two threads for one run.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import anyio
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blackboard import Board, NotFound, Run

from . import messages
from .errors import ChatOpsError

log = logging.getLogger(__name__)

ARTIFACT = "chatops/thread.json"
LOCK_TTL_S = 7 * 24 * 3600
UNPOSTABLE = frozenset({"channel_not_found", "not_in_channel", "is_archived", "restricted_action"})
"""Errors after which the next channel is tried."""


@dataclass(frozen=True, slots=True)
class Thread:
    """Where a run's messages go: the channel and the ts of its first message, and its headline."""

    run: str
    channel: str
    ts: str
    title: str

    def encode(self) -> str:
        return json.dumps({"channel": self.channel, "ts": self.ts, "title": self.title})

    @classmethod
    def decode(cls, run: str, raw: bytes) -> Thread:
        d = json.loads(raw)
        return cls(run, str(d["channel"]), str(d["ts"]), str(d.get("title", "")))


class Threads:
    def __init__(self, board: Board, client: AsyncWebClient, *, wait_s: float = 10.0) -> None:
        self._board = board
        self._client = client
        self._wait_s = wait_s
        self._known: dict[str, Thread] = {}

    async def get(self, run_id: str) -> Thread | None:
        if run_id in self._known:
            return self._known[run_id]
        try:
            thread = Thread.decode(run_id, await self._board.artifacts.get(run_id, ARTIFACT))
        except NotFound:
            return None
        self._remember(thread)
        return thread

    async def wait(self, run_id: str, timeout_s: float | None = None) -> Thread | None:
        """The run's thread once someone has opened it, or None after ``timeout_s``."""
        deadline = time.monotonic() + (self._wait_s if timeout_s is None else timeout_s)
        while True:
            thread = await self.get(run_id)
            if thread is not None or time.monotonic() >= deadline:
                return thread
            await anyio.sleep(0.05)  # another replica is posting the first message

    async def open(self, run_id: str, channels: Sequence[str | None], title: str | None = None) -> Thread:
        """The run's thread: the existing one, or a new first message in the first of ``channels``
        that takes it (the bot may not be a member of the channel a command came from)."""
        thread = await self.get(run_id)
        if thread is not None:
            return thread
        if not await self._board.dedupe.first(f"chatops-thread:{run_id}", LOCK_TTL_S):
            thread = await self.wait(run_id)
            if thread is not None:
                return thread
            log.warning("run %s: whoever was opening its thread gave up; opening one here", run_id)
        run = await self._board.runs.get(run_id)
        headline = title or messages.title_of(run)
        first = messages.head(headline, run, await self._board.runs.tasks(run_id))
        ts, where = await self._post_first(run_id, [c for c in dict.fromkeys(channels) if c], first)
        thread = Thread(run_id, where, ts, headline)
        await self._board.artifacts.put(run_id, ARTIFACT, thread.encode(), content_type="application/json")
        self._remember(thread)
        log.info("run %s: thread %s in %s", run_id, ts, where)
        return thread

    async def _post_first(self, run_id: str, channels: list[str], first: messages.Message) -> tuple[str, str]:
        if not channels:
            raise ChatOpsError(f"run {run_id}: no channel to post its thread in")
        for i, channel in enumerate(channels):
            try:
                reply = await self._client.chat_postMessage(channel=channel, **first.kwargs())
            except SlackApiError as exc:
                if exc.response.get("error") not in UNPOSTABLE or i == len(channels) - 1:
                    raise
                log.warning(
                    "run %s: cannot post in %s (%s); trying %s",
                    run_id,
                    channel,
                    exc.response.get("error"),
                    channels[i + 1],
                )
                continue
            ts, where = reply.get("ts"), reply.get("channel") or channel
            if isinstance(ts, str) and isinstance(where, str):
                return ts, where
            raise ChatOpsError(f"Slack answered chat.postMessage without a ts: {reply.data!r}"[:300])
        raise AssertionError("unreachable")

    async def update_head(self, thread: Thread, run: Run | None = None) -> None:
        """Rewrite the run's first message from the board's current state (idempotent)."""
        run = run or await self._board.runs.get(thread.run)
        first = messages.head(thread.title, run, await self._board.runs.tasks(thread.run))
        await self._client.chat_update(channel=thread.channel, ts=thread.ts, **first.kwargs())

    async def reply(self, thread: Thread, message: messages.Message) -> str:
        """Post into the thread; returns the reply's ts."""
        answer = await self._client.chat_postMessage(
            channel=thread.channel, thread_ts=thread.ts, **message.kwargs()
        )
        return str(answer.get("ts", ""))

    def _remember(self, thread: Thread) -> None:
        if len(self._known) > 5000:
            self._known.clear()
        self._known[thread.run] = thread
