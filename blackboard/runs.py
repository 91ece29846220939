"""Runs: create one from a DAG, read it, grow it, cancel it."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import anyio

from ._core import Core
from .errors import InvalidState, NotFound, PlanError
from .keys import partition_of, task_id
from .models import Claim, Run, RunMeta, Task, TaskSpec, check_plan

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, 36)
        out.append(_ALPHABET[r])
    return "".join(reversed(out))


def new_run_id(partition: int = 0, partitions: int = 1) -> str:
    """A time-sortable id (ms clock + randomness) that falls in ``partition``."""
    while True:
        rid = f"{_base36(time.time_ns() // 1_000_000, 9)}-{_base36(secrets.randbits(40), 8)}"
        if partition_of(rid, partitions) == partition:
            return rid


@dataclass(frozen=True, slots=True)
class Created:
    run_id: str
    created: bool
    """False when a dedupe key had already created this run (a repeated delivery)."""


def _encode_tasks(
    run_id: str,
    specs: Sequence[TaskSpec],
    default_attempts: int,
    traceparent: str,
    internal: frozenset[str],
) -> list[list[str]]:
    """Task records as create_run.lua / add_tasks.lua take them; deps and succ count only
    the needs inside ``internal`` (the specs being written)."""
    succ: dict[str, list[str]] = {s.id: [] for s in specs}
    for s in specs:
        for need in s.needs:
            if need in internal:
                succ[need].append(task_id(run_id, s.id))
    return [
        [
            task_id(run_id, s.id),
            s.id,
            s.capability,
            json.dumps(s.inputs, separators=(",", ":")),
            json.dumps([task_id(run_id, n) for n in s.needs]),
            json.dumps(succ[s.id]),
            str(sum(1 for n in s.needs if n in internal)),
            "1" if s.approval else "0",
            str(s.max_attempts or default_attempts),
            str(s.retry_backoff_ms or 0),
            traceparent,
            "1" if s.always else "0",
        ]
        for s in specs
    ]


class Runs:
    def __init__(self, core: Core) -> None:
        self._c = core

    async def create(
        self,
        specs: Sequence[TaskSpec],
        meta: RunMeta | None = None,
        *,
        dedupe_key: str | None = None,
        traceparent: str = "",
        budget: int | None = None,
    ) -> Created:
        """Write a run and its tasks and post the roots, in one atomic step.

        With ``dedupe_key`` (a webhook delivery id, a chat request id) a second call with
        the same key creates nothing and returns the first call's run id.
        """
        check_plan(list(specs))
        c = self._c
        keys = c.keys
        part = keys.for_key(dedupe_key) if dedupe_key else keys.partition(secrets.randbelow(keys.partitions))
        run_id = new_run_id(part.number, keys.partitions)
        ids = frozenset(s.id for s in specs)
        tasks = _encode_tasks(run_id, specs, c.settings.max_attempts, traceparent, ids)
        ttl = str(c.settings.dedupe_ttl_s * 1000) if dedupe_key else ""
        created, rid = await c.scripts.call(
            "create_run",
            [part.run(run_id), part.dedupe(dedupe_key or "-")],
            [
                *c.args(part),
                run_id,
                (meta or RunMeta()).model_dump_json(),
                traceparent,
                c.settings.run_budget if budget is None else budget,
                json.dumps(tasks, separators=(",", ":")),
                ttl,
            ],
        )
        return Created(str(rid), bool(created))

    async def get(self, run_id: str) -> Run:
        fields = await self._c.redis.hgetall(self._c.keys.for_run(run_id).run(run_id))
        if not fields:
            raise NotFound(f"no run {run_id}")
        return Run.from_fields(fields)

    async def recent(self, limit: int = 20) -> list[Run]:
        """The newest runs over every partition, newest first (in creation order within one)."""
        c = self._c
        pipe = c.redis.pipeline(transaction=False)
        for part in c.keys.all_partitions():
            for rid in await c.redis.zrevrange(part.runs, 0, limit - 1):
                pipe.hgetall(part.run(rid))
        runs = [Run.from_fields(f) for f in await pipe.execute() if f]
        runs.sort(key=lambda r: (r.created_ms, r.seq), reverse=True)
        return runs[:limit]

    async def task(self, tid: str) -> Task:
        fields = await self._c.redis.hgetall(self._c.keys.for_task(tid).task(tid))
        if not fields:
            raise NotFound(f"no task {tid}")
        return Task.from_fields(fields)

    async def tasks(self, run_id: str) -> list[Task]:
        """Every task of the run, in plan order (added tasks last)."""
        c = self._c
        part = c.keys.for_run(run_id)
        ids = await c.redis.lrange(part.run_tasks(run_id), 0, -1)
        if not ids and not await c.redis.exists(part.run(run_id)):
            raise NotFound(f"no run {run_id}")
        pipe = c.redis.pipeline(transaction=False)
        for tid in ids:
            pipe.hgetall(part.task(tid))
        return [Task.from_fields(f) for f in await pipe.execute() if f]

    async def add_tasks(
        self,
        run_id: str,
        specs: Sequence[TaskSpec],
        *,
        before: Mapping[str, Sequence[str]] | None = None,
        parent: Claim | None = None,
        takeover: str | None = None,
    ) -> int:
        """Add tasks to a running run, within its budget.

        ``needs`` may name tasks already in the run. ``before`` maps a new spec id to
        existing spec ids (not yet started) that must now also wait for it. From inside a
        task pass its ``parent`` claim: a peer that lost the task's lease cannot add.
        ``takeover`` names a new task that takes over the parent's dependents; if the parent
        then fails it ends ``superseded`` (a corrected attempt carries the run on).
        """
        if takeover is not None and takeover not in {s.id for s in specs}:
            raise PlanError(f"takeover: {takeover!r} is not one of the new tasks")
        c = self._c
        part = c.keys.for_run(run_id)
        existing = frozenset(
            tid.split(".", 1)[1] for tid in await c.redis.lrange(part.run_tasks(run_id), 0, -1)
        )
        check_plan(list(specs), existing)
        new_ids = frozenset(s.id for s in specs)
        for sid, targets in (before or {}).items():
            if sid not in new_ids:
                raise PlanError(f"before: {sid!r} is not one of the new tasks")
            for t in targets:
                if t not in existing:
                    raise PlanError(f"before: {t!r} is not a task of run {run_id}")
        traceparent = parent.traceparent if parent else ""
        tasks = _encode_tasks(run_id, specs, c.settings.max_attempts, traceparent, new_ids)
        needs = [[task_id(run_id, s.id), task_id(run_id, n)] for s in specs for n in s.needs if n in existing]
        before_pairs = [
            [task_id(run_id, sid), task_id(run_id, t)] for sid, ts in (before or {}).items() for t in ts
        ]
        _, n = await c.scripts.call(
            "add_tasks",
            [part.run(run_id)],
            [
                *c.args(part),
                run_id,
                parent.task_id if parent else "",
                parent.token if parent else 0,
                json.dumps(tasks),
                json.dumps(needs),
                json.dumps(before_pairs),
                task_id(run_id, takeover) if takeover else "",
            ],
        )
        return int(n)

    async def cancel(self, run_id: str, reason: str = "cancelled") -> int:
        """Cancel every unfinished task of a running run; returns how many were cancelled."""
        c = self._c
        part = c.keys.for_run(run_id)
        ok, value = await c.scripts.call("cancel", [part.run(run_id)], [*c.args(part), run_id, reason])
        if not ok:
            if value == "missing":
                raise NotFound(f"no run {run_id}")
            raise InvalidState(f"run {run_id} is already {value}")
        return int(value)

    async def wait(self, run_id: str, timeout_s: float, poll_s: float = 0.02) -> Run:
        """Poll until the run finishes; raises TimeoutError with its last state otherwise."""
        run: Run | None = None
        with anyio.move_on_after(timeout_s):
            while True:
                run = await self.get(run_id)
                if run.finished:
                    return run
                await anyio.sleep(poll_s)
        left = f"{run.status}, {run.remaining} task(s) left" if run else "unread"
        raise TimeoutError(f"run {run_id} did not finish within {timeout_s}s ({left})")
