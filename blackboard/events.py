"""The events stream: every lifecycle event, for viewers (no group) and subscribers (a group).

Subscribers that must not miss anything (ChatOps, the PR commenter) read through their own
consumer group: a restart resumes where it stopped, two replicas never get the same event.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from redis.exceptions import ResponseError

from ._core import Core
from .models import Event


class EventLog:
    def __init__(self, core: Core) -> None:
        self._c = core

    async def emit(self, kind: str, run: str = "", task: str = "", data: dict[str, Any] | None = None) -> str:
        """Append an event to the run's partition (partition 0 for board-wide events)."""
        c = self._c
        part = c.keys.for_run(run) if run else c.keys.partition(0)
        fields: dict[str, str] = {"kind": kind, "run": run, "task": task}
        if data:
            fields["data"] = json.dumps(data, separators=(",", ":"))
        entry: str = await c.redis.xadd(
            part.events,
            fields,
            maxlen=c.settings.events_maxlen,
            approximate=True,
        )
        if c.wakeup is not None:
            c.wakeup.notify()
        return entry

    def cursor(self, since: str = "$") -> dict[str, str]:
        """A read position on every partition: ``$`` for what comes next, ``0`` for all kept."""
        return {p.events: since for p in self._c.keys.all_partitions()}

    async def read(self, cursor: dict[str, str], count: int = 500, block_ms: int = 0) -> list[Event]:
        """Events after ``cursor`` (which is advanced), oldest first within a partition."""
        c = self._c
        if "$" in cursor.values():
            # resolve '$' once, so a later read cannot skip what arrived in between
            for stream, pos in list(cursor.items()):
                if pos == "$":
                    last = await c.redis.xrevrange(stream, count=1)
                    cursor[stream] = last[0][0] if last else "0-0"
        reply = await c.blocking(
            lambda block: c.redis.xread(cursor, count=count, block=block),
            block_ms,
        )
        out: list[Event] = []
        for stream, entries in reply or []:
            for entry_id, fields in entries:
                out.append(Event.from_entry(entry_id, fields))
                cursor[stream] = entry_id
        return out

    async def history(self, run_id: str, limit: int = 10_000) -> list[Event]:
        """The events of one run still kept in the (trimmed) stream, oldest first."""
        c = self._c
        stream = c.keys.for_run(run_id).events
        out: list[Event] = []
        for entry_id, fields in await c.redis.xrange(stream, count=limit * 10):
            if fields.get("run") == run_id:
                out.append(Event.from_entry(entry_id, fields))
        return out[-limit:]

    def subscribe(self, group: str, consumer: str, start: str = "$") -> Subscription:
        """A consumer-group reader: ``start`` is where a *new* group begins (``$`` or ``0``)."""
        return Subscription(self._c, group, consumer, start)


class Subscription:
    """Read, handle, ack. Unacked events come back first after a restart."""

    def __init__(self, core: Core, group: str, consumer: str, start: str) -> None:
        self._c = core
        self.group = group
        self.consumer = consumer
        self._start = start
        self._streams = [p.events for p in core.keys.all_partitions()]
        self._stream_of: dict[str, str] = {}
        self._backlog = True  # first drain our own pending entries (id 0), then new ones (>)

    async def open(self) -> None:
        for stream in self._streams:
            try:
                await self._c.redis.xgroup_create(stream, self.group, id=self._start, mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def read(self, count: int = 100, block_ms: int = 1000) -> list[Event]:
        c = self._c
        if self._backlog:
            reply = await c.redis.xreadgroup(
                self.group, self.consumer, dict.fromkeys(self._streams, "0"), count=count
            )
            events = self._collect(reply)
            if events:
                return events
            self._backlog = False
        reply = await c.blocking(
            lambda block: c.redis.xreadgroup(
                self.group, self.consumer, dict.fromkeys(self._streams, ">"), count=count, block=block
            ),
            block_ms,
        )
        return self._collect(reply)

    def _collect(self, reply: Sequence[Any] | None) -> list[Event]:
        out = []
        for stream, entries in reply or []:
            for entry_id, fields in entries:
                if fields is None:  # trimmed away while pending
                    self._stream_of[entry_id] = stream
                    continue
                self._stream_of[entry_id] = stream
                out.append(Event.from_entry(entry_id, fields))
        return out

    async def ack(self, events: Sequence[Event]) -> None:
        pipe = self._c.redis.pipeline(transaction=False)
        for e in events:
            pipe.xack(self._stream_of.pop(e.id), self.group, e.id)
        await pipe.execute()
