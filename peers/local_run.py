"""``orchestra run PATH``: the whole pipeline from one command.

The directory is snapshotted (git or not, .gitignore honoured), a pipeline run is created on
the board (embedded unless REDIS_URL), a peer serving every available capability runs in
this process, and a live view follows the run. The report and every artifact land in
``PATH/.orchestra/runs/<id>/``. Ctrl-C cancels the run cleanly.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import anyio
from rich.console import Console

from blackboard import Board, BoardSettings, NotFound, Run, RunStatus, connect
from capabilities.config import OrchestraConfig
from capabilities.deploy import project_name, teardown
from capabilities.host import Host
from capabilities.plan import Trigger, start_pipeline
from capabilities.report import build_report, render_markdown
from capabilities.source import snapshot

from .catalog import Catalog
from .live import follow, run_table
from .runtime import Peer, advertisable
from .settings import PeerSettings
from .telemetry import trigger_span

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_CANCELLED = 0, 1, 130


@dataclass(frozen=True)
class RunOptions:
    path: Path
    event: Literal["manual", "push", "pr"] = "manual"
    branch: str | None = None
    only: tuple[str, ...] | None = None
    services: tuple[str, ...] | None = None
    concurrency: int = 4
    exit_after: bool = False
    """Tear down and exit after the run, instead of serving a local deploy until Ctrl-C."""
    keep: bool = False
    """Exit after the run and leave a local deploy serving (``orchestra down`` stops it)."""


async def run_pipeline(
    opts: RunOptions, board_settings: BoardSettings, catalog: Catalog, console: Console
) -> int:
    host = Host.at()
    with console.status("snapshotting the source…"):
        snap = await snapshot(opts.path, host.cache_dir)
    where = f"{opts.path.resolve()} ({snap.files} files, branch {snap.branch})"
    console.print(f"source: {where}, snapshot {snap.commit[:12]}")
    trigger = Trigger(
        event="pull_request" if opts.event == "pr" else opts.event,
        source="cli",
        repo=snap.repo,
        commit=snap.commit,
        branch=opts.branch or snap.branch,
        name=opts.path.resolve().name,
        base="main" if opts.event == "pr" else None,
        only=opts.only,
        services=opts.services,
    )
    caps = await advertisable(catalog, catalog.names())
    async with connect(board_settings) as board:
        where = "embedded board" if board.embedded else f"board at {board_settings.redis_url}"
        console.print(f"{where}; in-process peer serving {', '.join(c.name for c in caps)}")
        peer = Peer(
            board,
            PeerSettings(
                board=board_settings,
                capabilities=tuple(c.name for c in caps),
                concurrency=opts.concurrency,
                name=f"run-{socket.gethostname()}-{os.getpid()}",
                grace_s=5,
                block_ms=250,
            ),
            caps,
            host,
        )
        async with anyio.create_task_group() as tg:
            tg.start_soon(peer.run)
            await peer.wait_ready()
            with trigger_span("cli", trigger) as root:  # the root of the run's trace
                created = await start_pipeline(board, trigger, traceparent=root.traceparent)
                root.run_created(created)
            cancelled = anyio.Event()
            tg.start_soon(_cancel_on_interrupt, board, created.run_id, cancelled, console)
            run = await follow(board, created.run_id, console)
            out = await _write_outputs(board, run, opts.path, console)
            if not console.is_terminal:  # the live table already shows it on a terminal
                console.print(run_table(run, await board.runs.tasks(run.id)))
            console.print(f"report: {out / 'report.md'}")
            urls = await _served_urls(board, run)
            if run.status is RunStatus.SUCCEEDED and urls and not opts.exit_after and not cancelled.is_set():
                for name, url in urls.items():
                    console.print(f"[green]{name}[/] is up at {url}")
                if opts.keep:
                    console.print(f"left serving; stop with `orchestra down {opts.path}`")
                else:
                    console.print("serving; Ctrl-C to stop")
                    await cancelled.wait()
            if not opts.keep:
                with anyio.CancelScope(shield=True):
                    await _teardown(board, run, host, console)
            peer.stop()
            tg.cancel_scope.cancel()
    if cancelled.is_set() and run.status is not RunStatus.SUCCEEDED:
        return EXIT_CANCELLED
    return EXIT_OK if run.status is RunStatus.SUCCEEDED else EXIT_FAILED


async def _cancel_on_interrupt(board: Board, run_id: str, cancelled: anyio.Event, console: Console) -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for _ in signals:
            if cancelled.is_set():
                raise KeyboardInterrupt
            cancelled.set()
            console.print("[yellow]interrupted: cancelling the run (Ctrl-C again to quit at once)[/]")
            run = await board.runs.get(run_id)
            if not run.finished:
                await board.runs.cancel(run_id, "cancelled with Ctrl-C")


async def _write_outputs(board: Board, run: Run, path: Path, console: Console) -> Path:
    out = path / ".orchestra" / "runs" / run.id
    (out / "artifacts").mkdir(parents=True, exist_ok=True)
    tasks = await board.runs.tasks(run.id)
    artifacts = await board.artifacts.all(run.id)
    report = build_report(run, tasks, artifacts)
    (out / "report.json").write_text(json.dumps(report, indent=2))
    (out / "report.md").write_text(render_markdown(report))
    for art in artifacts:
        dest = out / "artifacts" / art.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(await board.artifacts.get(run.id, art.name))
    return out


async def _teardown(board: Board, run: Run, host: Host, console: Console) -> None:
    """Stop the services this run deployed on this host (routers and version processes)."""
    try:
        config = OrchestraConfig.model_validate_json(await board.artifacts.get(run.id, "config.json"))
    except NotFound:
        return  # never planned: nothing was deployed
    stopped = await teardown(host.cache_dir, project_name(config))
    if stopped:
        console.print(f"stopped {', '.join(stopped)}")


async def _served_urls(board: Board, run: Run) -> dict[str, str]:
    """Where the local deploys of this run answer (deploy results carry a ``url``)."""
    urls: dict[str, str] = {}
    for task in await board.runs.tasks(run.id):
        if task.capability == "deploy" and isinstance(task.result, dict):
            url = task.result.get("data", {}).get("url")
            if url:
                urls[task.result["data"].get("service", task.spec)] = url
    return urls
