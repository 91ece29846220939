"""Board records: what the hashes and streams of keys.py hold, with explicit encode/decode.

Hashes store flat strings; JSON-valued fields (inputs, result, needs, ...) are JSON
strings. ``from_fields`` decodes what ``HGETALL`` returns; writes happen in the Lua
scripts, which receive what ``to_create`` encodes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from graphlib import CycleError, TopologicalSorter
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .errors import PlanError

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_:\-]{0,127}$"
_ID_RE = re.compile(ID_PATTERN)


class TaskState(StrEnum):
    BLOCKED = "blocked"  # waiting for the tasks it needs
    WAITING = "waiting"  # its needs are met; waiting for a human approval
    PENDING = "pending"  # posted (or due for a retry); claimable
    RUNNING = "running"  # claimed under a lease
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"  # a task it needs failed
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"  # failed, after handing its dependents to a corrected task


TERMINAL_STATES = frozenset(
    {TaskState.SUCCEEDED, TaskState.FAILED, TaskState.SKIPPED, TaskState.CANCELLED, TaskState.SUPERSEDED}
)


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


def _loads(raw: str | None, default: Any) -> Any:
    return json.loads(raw) if raw else default


def _int(raw: str | None) -> int:
    return int(raw) if raw else 0


class TaskSpec(BaseModel):
    """One node of a run's DAG, as a planner writes it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    capability: str = Field(pattern=ID_PATTERN)
    inputs: dict[str, Any] = Field(default_factory=dict)
    needs: tuple[str, ...] = ()
    approval: bool = False
    """Wait for a human approval once its needs are met, before it is posted."""
    always: bool = False
    """Run once every need has finished, whatever its outcome (a report, a cleanup)."""
    max_attempts: int | None = Field(default=None, ge=1, le=100)
    retry_backoff_ms: int | None = Field(default=None, ge=0)

    @field_validator("needs")
    @classmethod
    def _no_duplicate_needs(cls, needs: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(needs)) != len(needs):
            raise ValueError("needs lists a task twice")
        return needs


def check_plan(specs: list[TaskSpec], existing: frozenset[str] = frozenset()) -> None:
    """Unique ids, needs that exist (in the plan or among ``existing``), no cycle."""
    seen: set[str] = set()
    for spec in specs:
        if spec.id in seen or spec.id in existing:
            raise PlanError(f"task id {spec.id!r} is used twice")
        seen.add(spec.id)
    for spec in specs:
        for need in spec.needs:
            if need == spec.id:
                raise PlanError(f"task {spec.id!r} needs itself")
            if need not in seen and need not in existing:
                raise PlanError(f"task {spec.id!r} needs {need!r}, which is not in the run")
    try:
        TopologicalSorter({s.id: [n for n in s.needs if n in seen] for s in specs}).prepare()
    except CycleError as exc:
        raise PlanError(f"the plan has a cycle: {' -> '.join(exc.args[1])}") from None


@dataclass(frozen=True, slots=True)
class Claim:
    """A task this peer holds under a lease; ``token`` fences every write it makes."""

    task_id: str
    run_id: str
    spec: str
    capability: str
    inputs: dict[str, Any]
    token: int
    attempt: int
    max_attempts: int
    traceparent: str = ""


class Task(BaseModel):
    """The record of one task: ``{ns}:{p}:task:{id}``."""

    model_config = ConfigDict(frozen=True)

    id: str
    run: str
    spec: str
    capability: str
    state: TaskState
    inputs: dict[str, Any] = Field(default_factory=dict)
    needs: list[str] = Field(default_factory=list)
    succ: list[str] = Field(default_factory=list)
    deps: int = 0
    approval: bool = False
    approved_by: str = ""
    always: bool = False
    attempt: int = 0
    token: int = 0
    max_attempts: int = 3
    backoff_ms: int = 0
    owner: str = ""
    lease_until_ms: int = 0
    created_ms: int = 0
    posted_ms: int = 0
    started_ms: int = 0
    finished_ms: int = 0
    result: Any = None
    error: str = ""
    traceparent: str = ""
    superseded_by: str = ""

    @classmethod
    def from_fields(cls, f: dict[str, str]) -> Task:
        return cls(
            id=f["id"],
            run=f["run"],
            spec=f["spec"],
            capability=f["capability"],
            state=TaskState(f["state"]),
            inputs=_loads(f.get("inputs"), {}),
            needs=_loads(f.get("needs"), []),
            succ=_loads(f.get("succ"), []),
            deps=_int(f.get("deps")),
            approval=f.get("approval") == "1",
            approved_by=f.get("approved_by", ""),
            always=f.get("always") == "1",
            attempt=_int(f.get("attempt")),
            token=_int(f.get("token")),
            max_attempts=_int(f.get("max_attempts")) or 1,
            backoff_ms=_int(f.get("backoff_ms")),
            owner=f.get("owner", ""),
            lease_until_ms=_int(f.get("lease_until")),
            created_ms=_int(f.get("created")),
            posted_ms=_int(f.get("posted")),
            started_ms=_int(f.get("started")),
            finished_ms=_int(f.get("finished")),
            result=_loads(f.get("result"), None),
            error=f.get("error", ""),
            traceparent=f.get("traceparent", ""),
            superseded_by=f.get("superseded_by", ""),
        )

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_STATES


class RunMeta(BaseModel):
    """What triggered a run and on what code; free of secrets by contract."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    trigger: str = "api"
    repo: str = ""
    commit: str = ""
    branch: str = ""
    config: dict[str, Any] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)


class Run(BaseModel):
    """The record of one run: ``{ns}:{p}:run:{id}``, with its task counters."""

    model_config = ConfigDict(frozen=True)

    id: str
    status: RunStatus
    meta: RunMeta
    created_ms: int = 0
    finished_ms: int = 0
    seq: int = 0
    """Creation order within the run's partition."""
    traceparent: str = ""
    total: int = 0
    remaining: int = 0
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    cancelled: int = 0
    superseded: int = 0
    budget: int = 0
    added: int = 0
    reason: str = ""

    @classmethod
    def from_fields(cls, f: dict[str, str]) -> Run:
        return cls(
            id=f["id"],
            status=RunStatus(f["status"]),
            meta=RunMeta.model_validate_json(f.get("meta") or "{}"),
            created_ms=_int(f.get("created")),
            finished_ms=_int(f.get("finished")),
            seq=_int(f.get("seq")),
            traceparent=f.get("traceparent", ""),
            total=_int(f.get("total")),
            remaining=_int(f.get("remaining")),
            succeeded=_int(f.get("succeeded")),
            failed=_int(f.get("failed")),
            skipped=_int(f.get("skipped")),
            cancelled=_int(f.get("cancelled")),
            superseded=_int(f.get("superseded")),
            budget=_int(f.get("budget")),
            added=_int(f.get("added")),
            reason=f.get("reason", ""),
        )

    @property
    def finished(self) -> bool:
        return self.status is not RunStatus.RUNNING


class Event(BaseModel):
    """One entry of ``{ns}:{p}:events``."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: str
    run: str = ""
    task: str = ""
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def ts_ms(self) -> int:
        return int(self.id.split("-", 1)[0])

    @classmethod
    def from_entry(cls, entry_id: str, f: dict[str, str]) -> Event:
        return cls(
            id=entry_id,
            kind=f.get("kind", ""),
            run=f.get("run", ""),
            task=f.get("task", ""),
            data=_loads(f.get("data"), {}),
        )


class Artifact(BaseModel):
    """Metadata of a stored artifact; the bytes live in their own key."""

    model_config = ConfigDict(frozen=True)

    run: str
    name: str
    sha256: str
    size: int
    content_type: str = "application/octet-stream"
    task: str = ""
    created_ms: int = 0
    meta: dict[str, Any] = Field(default_factory=dict)


class DeadLetter(BaseModel):
    """An entry of ``{ns}:{p}:dead``: a task that used up its attempts."""

    model_config = ConfigDict(frozen=True)

    id: str
    task: str
    run: str
    capability: str
    attempts: int
    error: str

    @property
    def ts_ms(self) -> int:
        return int(self.id.split("-", 1)[0])

    @classmethod
    def from_entry(cls, entry_id: str, f: dict[str, str]) -> DeadLetter:
        return cls(
            id=entry_id,
            task=f.get("task", ""),
            run=f.get("run", ""),
            capability=f.get("capability", ""),
            attempts=_int(f.get("attempts")),
            error=f.get("error", ""),
        )


class PeerInfo(BaseModel):
    """A peer's descriptor in ``{ns}:peers``."""

    model_config = ConfigDict(frozen=True)

    id: str
    host: str
    pid: int
    version: str
    capabilities: list[str]
    tags: dict[str, str] = Field(default_factory=dict)
    concurrency: int = 1
    started_ms: int = 0


class Heartbeat(BaseModel):
    """What a live peer writes to ``{ns}:peer:{id}`` on every beat."""

    model_config = ConfigDict(frozen=True)

    ts_ms: int
    state: str = "running"  # running | draining
    inflight: int = 0
    claimed: int = 0
    succeeded: int = 0
    failed: int = 0
    refused: int = 0
    reassigned: int = 0


class PeerStatus(BaseModel):
    """A descriptor with its liveness, as ``board peers`` shows it."""

    model_config = ConfigDict(frozen=True)

    info: PeerInfo
    heartbeat: Heartbeat | None

    @property
    def alive(self) -> bool:
        return self.heartbeat is not None


def is_valid_id(value: str) -> bool:
    return bool(_ID_RE.match(value))
