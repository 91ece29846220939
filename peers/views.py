"""Rich tables for ``orchestra board ...``."""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.table import Table

from blackboard import DeadLetter, PeerStatus, QueueStats, Run, Task
from capabilities.plan.planner import PlannedRun

_STATE_STYLE = {
    "succeeded": "green",
    "failed": "red",
    "running": "cyan",
    "pending": "yellow",
    "waiting": "magenta",
    "skipped": "dim",
    "cancelled": "dim",
    "blocked": "dim",
    "superseded": "yellow",
}


def _ago(ms: int) -> str:
    if not ms:
        return "-"
    s = max(0.0, time.time() - ms / 1000)
    if s < 60:
        return f"{s:.0f}s ago"
    if s < 3600:
        return f"{s / 60:.0f}m ago"
    return f"{s / 3600:.1f}h ago"


def _took(start: int, end: int) -> str:
    if not start:
        return "-"
    end = end or time.time_ns() // 1_000_000
    return f"{(end - start) / 1000:.2f}s"


def styled(state: str) -> str:
    style = _STATE_STYLE.get(state, "")
    return f"[{style}]{state}[/]" if style else state


def queues_table(stats: Sequence[QueueStats]) -> Table:
    t = Table(title="Capability streams")
    for col in ("capability", "queued", "running", "consumers"):
        t.add_column(col, justify="left" if col == "capability" else "right")
    for s in stats:
        t.add_row(s.capability, str(s.queued), str(s.running), str(s.consumers))
    return t


def runs_table(runs: Sequence[Run]) -> Table:
    t = Table(title="Runs")
    for col in ("run", "status", "trigger", "branch", "tasks", "ok", "failed", "skipped", "created", "took"):
        t.add_column(col)
    for r in runs:
        t.add_row(
            r.id,
            styled(r.status.value),
            r.meta.trigger,
            r.meta.branch or "-",
            str(r.total),
            str(r.succeeded),
            str(r.failed),
            str(r.skipped),
            _ago(r.created_ms),
            _took(r.created_ms, r.finished_ms),
        )
    return t


def tasks_table(run: Run, tasks: Sequence[Task]) -> Table:
    t = Table(title=f"Run {run.id}: {run.status.value}")
    for col in ("task", "capability", "state", "attempt", "owner", "needs", "took", "result / error"):
        t.add_column(col, overflow="fold")
    for task in tasks:
        detail = task.error.strip().splitlines()[-1] if task.error else ""
        if not detail and isinstance(task.result, dict):
            detail = str(task.result.get("summary", ""))
        t.add_row(
            task.spec,
            task.capability,
            styled(task.state.value),
            f"{task.attempt}/{task.max_attempts}",
            task.owner or "-",
            ", ".join(n.split(".", 1)[1] for n in task.needs) or "-",
            _took(task.started_ms, task.finished_ms),
            detail[:120],
        )
    return t


def peers_table(peers: Sequence[PeerStatus]) -> Table:
    t = Table(title="Peers")
    for col in (
        "peer",
        "alive",
        "state",
        "capabilities",
        "tags",
        "slots",
        "claimed",
        "ok",
        "failed",
        "last beat",
    ):
        t.add_column(col, overflow="fold")
    for p in peers:
        hb = p.heartbeat
        t.add_row(
            p.info.id,
            "[green]yes[/]" if hb else "[red]no[/]",
            hb.state if hb else "gone",
            ", ".join(p.info.capabilities),
            ", ".join(f"{k}={v}" for k, v in p.info.tags.items()) or "-",
            f"{hb.inflight}/{p.info.concurrency}" if hb else f"-/{p.info.concurrency}",
            str(hb.claimed) if hb else "-",
            str(hb.succeeded) if hb else "-",
            str(hb.failed) if hb else "-",
            _ago(hb.ts_ms) if hb else "-",
        )
    return t


def dead_table(dead: Sequence[DeadLetter]) -> Table:
    t = Table(title="Dead letters")
    for col in ("when", "task", "capability", "attempts", "error"):
        t.add_column(col, overflow="fold")
    for d in dead:
        t.add_row(_ago(d.ts_ms), d.task, d.capability, str(d.attempts), d.error[:200])
    return t


def plan_table(planned: PlannedRun) -> Table:
    t = Table(title=f"{planned.kind} pipeline: {len(planned.specs)} task(s)", title_justify="left")
    for col in ("task", "capability", "needs", "gate"):
        t.add_column(col, overflow="fold")
    for spec in planned.specs:
        gate = "approval" if spec.approval else ("always" if spec.always else "")
        t.add_row(spec.id, spec.capability, ", ".join(spec.needs) or "-", gate)
    return t
