"""Tasks on the board: claim, renew, settle, release, reap, retry, approve.

Every write a peer makes about a task carries the fencing token it was granted with;
the scripts refuse a token that is no longer the task's current one.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.exceptions import ResponseError

from ._core import Core
from ._scripts import Arg, Call
from .errors import InvalidState, NotFound
from .keys import GROUP, Partition
from .models import Claim, DeadLetter

CLAIM_WIDTH = 9  # values per granted task in claim.lua / reap.lua replies (grant in _lib.lua)


@dataclass(frozen=True, slots=True)
class Success:
    claim: Claim
    result: Any = None


@dataclass(frozen=True, slots=True)
class Failure:
    claim: Claim
    error: str
    """The whole story (a traceback for an unexpected exception); kept on the task."""
    retryable: bool = False
    summary: str = ""
    """One line for events and chat; the error's last line when empty."""


Outcome = Success | Failure


@dataclass(frozen=True, slots=True)
class Settled:
    task_id: str
    accepted: bool
    detail: str
    """ok | duplicate | retrying | failed, or why the write was refused."""


@dataclass(frozen=True, slots=True)
class Reaped:
    cursor: str
    dead: int
    claims: list[Claim] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class QueueStats:
    capability: str
    queued: int
    running: int
    consumers: int


def _grants(flat: Sequence[Any], start: int = 0) -> list[Claim]:
    """Claims from the values ``grant`` (scripts/_lib.lua) appends per granted task."""
    return [
        Claim(
            task_id=flat[i],
            run_id=flat[i + 4],
            spec=flat[i + 5],
            capability=flat[i + 8],
            inputs=json.loads(flat[i + 6]),
            token=int(flat[i + 1]),
            attempt=int(flat[i + 2]),
            max_attempts=int(flat[i + 3]),
            traceparent=flat[i + 7],
        )
        for i in range(start, len(flat), CLAIM_WIDTH)
    ]


def _summary(error: str) -> str:
    lines = [ln for ln in error.strip().splitlines() if ln.strip()]
    return (lines[-1] if lines else "failed")[:300]


def _after(entry_id: str) -> str:
    """The smallest stream id above ``entry_id``."""
    ms, _, seq = entry_id.partition("-")
    return f"{ms}-{int(seq or 0) + 1}"


async def ensure_groups(core: Core, capabilities: Iterable[str]) -> None:
    for part in core.keys.all_partitions():
        for cap in capabilities:
            try:
                await core.redis.xgroup_create(part.stream(cap), GROUP, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise


class Claimer:
    """Claims for one peer: a blocking XREADGROUP over every stream it serves, and right behind
    it in the same pipeline one claim script per partition that grants what was delivered.

    The server runs the script as soon as the read unblocks, so a posted task reaches a waiting
    peer in one round trip. At most ``count`` tasks are granted; XREADGROUP's COUNT is per
    stream, so entries read past the count are posted again (by claim.lua).
    """

    def __init__(self, core: Core, peer: str, capabilities: Sequence[str]) -> None:
        self._c = core
        self.peer = peer
        self._caps = list(capabilities)
        parts = core.keys.all_partitions()
        self._parts = parts
        self._streams = {p.stream(cap): cap for p in parts for cap in self._caps}
        self._read = dict.fromkeys(self._streams, ">")
        self._newest = dict.fromkeys(self._streams, "0-0")  # newest entry delivered, per stream

    async def claim(self, count: int, block_ms: int) -> list[Claim]:
        return list(await self._c.blocking(lambda block: self._once(count, block), block_ms))

    async def _once(self, count: int, block: int | None) -> list[Claim]:
        c = self._c
        n_parts = len(self._parts)
        calls: list[Call] = []
        per_stream = 1
        for i, part in enumerate(self._parts):
            limit = count // n_parts + (1 if i < count % n_parts else 0)
            if limit == 0:
                continue
            per_stream = max(per_stream, -(-limit // len(self._caps)))
            pairs: list[Arg] = []
            for cap in self._caps:
                pairs += [cap, _after(self._newest[part.stream(cap)])]
            args = [*c.args(part), self.peer, c.settings.lease_ms, limit, 2 * per_stream + 100, *pairs]
            calls.append(("claim", [part.events], args))
        pipe = c.redis.pipeline(transaction=False)
        pipe.xreadgroup(GROUP, self.peer, self._read, count=per_stream, block=block)
        for call in calls:
            c.scripts.queue(pipe, *call)
        read, *granted = await pipe.execute(raise_on_error=False)
        if isinstance(read, ResponseError):
            if "NOGROUP" not in str(read):
                raise read
            await ensure_groups(c, self._caps)  # the server lost its groups (a restart)
        elif isinstance(read, Exception):
            raise read
        else:
            for stream, entries in read or []:
                if entries:
                    self._newest[stream] = entries[-1][0]
        results = await c.scripts.finish(calls, granted)
        return [claim for flat in results for claim in _grants(flat)]


class TaskQueue:
    def __init__(self, core: Core) -> None:
        self._c = core

    async def ensure_groups(self, capabilities: Iterable[str]) -> None:
        """Create the consumer group on every stream served (from the stream's start, so
        tasks posted before the first peer arrived are not missed)."""
        await ensure_groups(self._c, capabilities)

    def claimer(self, peer: str, capabilities: Sequence[str]) -> Claimer:
        """The claiming side of one peer (it remembers what it was delivered)."""
        return Claimer(self._c, peer, capabilities)

    async def claim(self, peer: str, capabilities: Sequence[str], count: int, block_ms: int) -> list[Claim]:
        """One-off claim (tests, tools); a peer keeps a ``claimer`` instead."""
        return await self.claimer(peer, capabilities).claim(count, block_ms)

    async def renew(self, peer: str, claims: Iterable[Claim]) -> set[str]:
        """Extend the leases of ``claims``; returns the ids of those this peer lost."""
        c = self._c
        pairs: dict[Partition, list[Arg]] = defaultdict(list)
        for claim in claims:
            pairs[c.keys.for_run(claim.run_id)] += [claim.task_id, claim.token]
        if not pairs:
            return set()
        results = await c.scripts.call_many(
            [
                ("renew", [part.events], [*c.args(part), peer, c.settings.lease_ms, *args])
                for part, args in pairs.items()
            ]
        )
        return {tid for lost in results for tid in lost}

    async def settle(self, peer: str, outcomes: Sequence[Outcome]) -> list[Settled]:
        """Complete or fail tasks, all in one round trip; each write is fenced by its token."""
        c = self._c
        s = c.settings
        calls: list[Call] = []
        for o in outcomes:
            part = c.keys.for_run(o.claim.run_id)
            head: list[Arg] = [*c.args(part), o.claim.task_id, o.claim.token, peer]
            if isinstance(o, Success):
                try:
                    body = _json(o.result)
                except (TypeError, ValueError) as exc:
                    o = Failure(o.claim, f"the task's result is not JSON: {exc}")
                else:
                    calls.append(("complete", [part.task(o.claim.task_id)], [*head, body]))
                    continue
            if isinstance(o, Failure):
                calls.append(
                    (
                        "fail",
                        [part.task(o.claim.task_id)],
                        [
                            *head,
                            o.error,
                            "1" if o.retryable else "0",
                            s.retry_backoff_ms,
                            s.retry_backoff_max_ms,
                            o.summary or _summary(o.error),
                        ],
                    )
                )
        results = await c.scripts.call_many(calls)
        return [
            Settled(o.claim.task_id, bool(r[0]), str(r[1])) for o, r in zip(outcomes, results, strict=True)
        ]

    async def release(self, peer: str, claims: Iterable[Claim]) -> int:
        """Give tasks back so another peer can claim them at once (not counted as an attempt)."""
        c = self._c
        pairs: dict[Partition, list[Arg]] = defaultdict(list)
        for claim in claims:
            pairs[c.keys.for_run(claim.run_id)] += [claim.task_id, claim.token]
        if not pairs:
            return 0
        results = await c.scripts.call_many(
            [("release", [part.events], [*c.args(part), peer, *args]) for part, args in pairs.items()]
        )
        return sum(int(n) for n in results)

    async def reap(self, peer: str, part: Partition, capability: str, cursor: str, count: int) -> Reaped:
        """Take over up to ``count`` entries of one stream whose lease expired."""
        c = self._c
        flat = await c.scripts.call(
            "reap",
            [part.stream(capability)],
            [*c.args(part), peer, c.settings.lease_ms, cursor, count, capability],
        )
        return Reaped(str(flat[0]), int(flat[1]), _grants(flat, start=2))

    async def promote(self, part: Partition, limit: int = 500) -> int:
        """Post the tasks whose retry backoff has elapsed."""
        c = self._c
        return int(await c.scripts.call("promote", [part.delayed], [*c.args(part), limit]))

    async def approve(self, tid: str, who: str, reason: str = "") -> None:
        await self._decide(tid, "approve", who, reason)

    async def reject(self, tid: str, who: str, reason: str = "") -> None:
        await self._decide(tid, "reject", who, reason)

    async def _decide(self, tid: str, decision: str, who: str, reason: str) -> None:
        c = self._c
        part = c.keys.for_task(tid)
        ok, state = await c.scripts.call(
            "approve", [part.task(tid)], [*c.args(part), tid, decision, who, reason]
        )
        if not ok:
            if state == "missing":
                raise NotFound(f"no task {tid}")
            raise InvalidState(f"task {tid} is {state}, not waiting for an approval")

    async def dead(self, limit: int = 50) -> list[DeadLetter]:
        """The newest dead letters over every partition."""
        out: list[DeadLetter] = []
        for part in self._c.keys.all_partitions():
            for entry_id, fields in await self._c.redis.xrevrange(part.dead, count=limit):
                out.append(DeadLetter.from_entry(entry_id, fields))
        out.sort(key=lambda d: d.id, reverse=True)
        return out[:limit]

    async def stats(self) -> list[QueueStats]:
        """Queued and running tasks per capability stream, summed over partitions."""
        c = self._c
        totals: dict[str, list[int]] = {}
        for part in c.keys.all_partitions():
            for cap in sorted(await c.redis.smembers(part.capabilities)):
                stream = part.stream(cap)
                length = await c.redis.xlen(stream)
                running = consumers = 0
                try:
                    for g in await c.redis.xinfo_groups(stream):
                        if g["name"] == GROUP:
                            running, consumers = int(g["pending"]), int(g["consumers"])
                except ResponseError:
                    pass  # no stream or no group yet
                t = totals.setdefault(cap, [0, 0, 0])
                t[0] += max(0, length - running)
                t[1] += running
                t[2] = max(t[2], consumers)
        return [QueueStats(cap, *v) for cap, v in sorted(totals.items())]


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
