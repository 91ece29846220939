"""Following a run: a live table on a terminal, one line per event elsewhere (CI logs)."""

from __future__ import annotations

import time
from collections.abc import Sequence

import anyio
import anyio.lowlevel
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from blackboard import Board, Event, Run, Task

from .views import styled

# events worth a line in a log; the rest (task.started of every task, ...) show in the table
_LOGGED = {
    "task.started": "started",
    "task.succeeded": "succeeded",
    "task.failed": "FAILED",
    "task.retrying": "retrying",
    "task.skipped": "skipped",
    "task.reassigned": "taken over",
    "task.dead": "out of attempts",
    "approval.requested": "waits for approval",
    "run.grown": "planned",
}


def _took(task: Task) -> str:
    if not task.started_ms:
        return ""
    end = task.finished_ms or time.time_ns() // 1_000_000
    return f"{(end - task.started_ms) / 1000:.1f}s"


def run_table(run: Run, tasks: Sequence[Task]) -> Table:
    table = Table(
        title=f"run {run.id} · {styled(run.status.value)} · {run.succeeded} ok, {run.failed} failed, "
        f"{run.skipped} skipped, {run.remaining} left",
        title_justify="left",
    )
    for col in ("task", "state", "peer", "attempt", "took", "result"):
        table.add_column(col, overflow="fold")
    for t in tasks:
        detail = ""
        if t.error:
            detail = t.error.strip().splitlines()[-1][:100]
        elif isinstance(t.result, dict):
            detail = str(t.result.get("summary", ""))[:100]
        table.add_row(
            t.spec,
            styled(t.state.value),
            t.owner,
            str(t.attempt) if t.attempt else "",
            _took(t),
            detail,
        )
    return table


async def follow(board: Board, run_id: str, console: Console, refresh_s: float = 0.25) -> Run:
    """Show the run until it finishes; returns its final record."""
    cursor = board.events.cursor("0")
    if console.is_terminal:
        return await _follow_live(board, run_id, console, cursor, refresh_s)
    return await _follow_lines(board, run_id, console, cursor)


async def _follow_live(
    board: Board, run_id: str, console: Console, cursor: dict[str, str], refresh_s: float
) -> Run:
    with Live(console=console, auto_refresh=False, transient=False) as live:
        while True:
            run = await board.runs.get(run_id)
            tasks = await board.runs.tasks(run_id)
            live.update(Group(run_table(run, tasks)), refresh=True)
            if run.finished:
                return run
            await board.events.read(cursor, count=1000, block_ms=int(refresh_s * 1000))


async def _follow_lines(board: Board, run_id: str, console: Console, cursor: dict[str, str]) -> Run:
    started = time.monotonic()

    async def show(block_ms: int) -> None:
        for event in await board.events.read(cursor, count=1000, block_ms=block_ms):
            if event.run == run_id:
                line = _line(event, time.monotonic() - started)
                if line:
                    console.print(line, highlight=False)

    while True:
        await show(1000)
        run = await board.runs.get(run_id)
        if run.finished:
            await show(0)  # what arrived between the last read and the run's end
            return run
        await anyio.lowlevel.checkpoint()


def _line(event: Event, elapsed: float) -> Text | None:
    if event.kind.startswith("run.") and event.kind not in ("run.grown", "run.created"):
        return Text(f"[{elapsed:6.1f}s] run {event.kind.split('.', 1)[1]}", style="bold")
    what = _LOGGED.get(event.kind)
    if what is None:
        return None
    task = event.task.split(".", 1)[1] if "." in event.task else event.task
    extra = ""
    if event.kind == "run.grown":
        extra = f" {event.data.get('added', 0)} task(s)"
    elif event.data.get("error"):
        extra = f": {event.data['error']}"
    elif event.data.get("peer"):
        extra = f" on {event.data['peer']}"
    return Text(f"[{elapsed:6.1f}s] {task or event.run} {what}{extra}")
