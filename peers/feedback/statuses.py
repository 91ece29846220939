"""Commit statuses: one per stage of a run (``orchestra/analyze``, ``orchestra/test``, ...).

A stage's status sums up its tasks over every service: a failure if one failed, an error if one
was skipped or cancelled, pending while one has not finished, success when all passed. A task
that handed over to a corrected attempt (``superseded``) counts through that attempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from blackboard import Task, TaskState

from .github import StatusState

CONTEXT_PREFIX = "orchestra/"
PLAN = "plan"
_UNFINISHED = frozenset({TaskState.BLOCKED, TaskState.PENDING, TaskState.RUNNING, TaskState.WAITING})


@dataclass(frozen=True, slots=True)
class StageStatus:
    context: str
    state: StatusState
    description: str


def stage_of(task: Task) -> str | None:
    """The pipeline stage a task is (a planned stage task, its corrected retry, or the plan);
    None for the others (the report, a diagnosis)."""
    stage = task.inputs.get("stage")
    if isinstance(stage, str) and stage == task.capability:
        return stage
    if task.capability == PLAN:
        return PLAN
    return None


def _service(task: Task) -> str:
    service = task.inputs.get("service")
    return service if isinstance(service, str) and service else task.spec


def stage_status(stage: str, tasks: Sequence[Task]) -> StageStatus:
    context = CONTEXT_PREFIX + stage
    live = [t for t in tasks if t.state is not TaskState.SUPERSEDED]
    failed = [t for t in live if t.state is TaskState.FAILED]
    if failed:
        return StageStatus(context, "failure", f"failed: {', '.join(_service(t) for t in failed)}")
    stopped = [t for t in live if t.state in (TaskState.SKIPPED, TaskState.CANCELLED)]
    if stopped:
        what = "cancelled" if all(t.state is TaskState.CANCELLED for t in stopped) else "skipped"
        return StageStatus(
            context, "error", f"{what}: {', '.join(_service(t) for t in stopped)} (an earlier stage failed)"
        )
    if waiting := [t for t in live if t.state is TaskState.WAITING]:
        return StageStatus(
            context, "pending", f"waiting for approval: {', '.join(_service(t) for t in waiting)}"
        )
    if running := [t for t in live if t.state is TaskState.RUNNING]:
        return StageStatus(context, "pending", f"running: {', '.join(_service(t) for t in running)}")
    if any(t.state in _UNFINISHED for t in live) or not live:
        return StageStatus(context, "pending", "queued")
    took = max(t.finished_ms for t in live) - min(t.started_ms for t in live)
    what = "planned" if stage == PLAN else f"passed: {', '.join(_service(t) for t in live)}"
    return StageStatus(context, "success", what + (f" in {took / 1000:.1f}s" if took > 0 else ""))


def stage_statuses(tasks: Sequence[Task]) -> list[StageStatus]:
    """The status of every stage the run has, in the order the stages first appear."""
    stages: dict[str, list[Task]] = {}
    for task in tasks:
        stage = stage_of(task)
        if stage is not None:
            stages.setdefault(stage, []).append(task)
    return [stage_status(stage, members) for stage, members in stages.items()]
