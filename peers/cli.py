"""``orchestra``: thin commands that build settings and call into the packages."""

from __future__ import annotations

import gc
import logging
import os
import socket
import sys
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from typing import Annotated, Any, TypeVar

import typer

from blackboard import TRANSIENT_ERRORS, Board, BoardSettings, OrchestraError, connect

from . import views
from ._aio import run_async
from ._console import console, err, shared_board
from ._console import fail as _fail
from .catalog import default_catalog
from .cli_chatops import chatops
from .cli_config import config_app
from .cli_feedback import feedback
from .cli_gateway import gateway, webhook_app
from .cli_run import down_command, plan_command, run_command
from .runtime import Peer, advertisable
from .settings import PeerSettings, parse_list, parse_tags
from .telemetry import MetricsServer, PeerMetrics, TelemetrySettings, setup_tracing

T = TypeVar("T")

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="DevOps Orchestra: from git push to a monitored deployment, run by leaderless peers.",
)
board_app = typer.Typer(no_args_is_help=True, help="Look at and act on the board (needs REDIS_URL).")
app.add_typer(board_app, name="board")
app.command("run")(run_command)
app.command("plan")(plan_command)
app.command("down")(down_command)
app.add_typer(config_app, name="config")
app.command()(gateway)
app.command()(chatops)
app.add_typer(webhook_app, name="webhook")
app.command()(feedback)


def _run(fn: Callable[[], Awaitable[T]]) -> T:
    return run_async(fn)


@app.callback()
def main_options(
    ctx: typer.Context,
    redis_url: Annotated[
        str | None, typer.Option(help="Redis holding the board (env REDIS_URL); none: embedded board.")
    ] = None,
    namespace: Annotated[str | None, typer.Option(help="Key namespace (env ORCHESTRA_NAMESPACE).")] = None,
    log_level: Annotated[str, typer.Option(envvar="ORCHESTRA_LOG_LEVEL", help="Logging level.")] = "INFO",
) -> None:
    logging.basicConfig(
        level=log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    try:
        ctx.obj = BoardSettings.from_env(redis_url=redis_url, namespace=namespace)
        # tracing from the OTEL_* environment, once per process; what is buffered is exported
        # when the command ends
        tracing = setup_tracing(TelemetrySettings.from_env(), ctx.invoked_subcommand or "")
    except OrchestraError as exc:
        raise _fail(str(exc)) from None
    ctx.call_on_close(tracing.shutdown)


def _shared_board(ctx: typer.Context) -> BoardSettings:
    return shared_board(
        ctx, "this command", "(without one the board is embedded and lives only inside `orchestra run`)"
    )


@app.command()
def peer(
    ctx: typer.Context,
    capabilities: Annotated[
        str, typer.Option("--capabilities", "-c", help="Comma-separated capabilities to serve.")
    ] = "",
    concurrency: Annotated[int | None, typer.Option(help="Tasks run at once (default 4).")] = None,
    tag: Annotated[
        list[str] | None, typer.Option(help="key=value tag advertised with the peer; repeatable.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Peer id (default host-pid-random).")] = None,
    load: Annotated[
        list[str] | None, typer.Option(help="Import path of a module with CAPABILITIES; repeatable.")
    ] = None,
    grace: Annotated[float | None, typer.Option(help="Seconds in-flight work gets after SIGTERM.")] = None,
    lease_ms: Annotated[int | None, typer.Option(help="Lease length (env ORCHESTRA_LEASE_MS).")] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 0 if a peer on this host (or --name) is alive, else 1.")
    ] = False,
    metrics_port: Annotated[
        int | None,
        typer.Option(envvar="ORCHESTRA_METRICS_PORT", help="Serve Prometheus /metrics on this port."),
    ] = None,
    metrics_host: Annotated[
        str, typer.Option(envvar="ORCHESTRA_METRICS_HOST", help="Address /metrics listens on.")
    ] = "127.0.0.1",
) -> None:
    """Run a peer: claim and run tasks of the given capabilities until SIGTERM."""
    board_settings = _shared_board(ctx)
    if lease_ms:
        board_settings = board_settings.with_(lease_ms=lease_ms)
    if check:
        raise typer.Exit(_run(lambda: _check(board_settings, name)))
    try:
        settings = PeerSettings.from_env(
            board_settings,
            capabilities=parse_list(capabilities) or None,
            concurrency=concurrency,
            tags=parse_tags(tag) if tag else None,
            name=name,
            grace_s=grace,
        )
        if not settings.capabilities:
            raise _fail(
                "say which capabilities to serve: --capabilities build,scan (or ORCHESTRA_CAPABILITIES)"
            )
        catalog = default_catalog([*(load or []), *parse_list(os.environ.get("ORCHESTRA_LOAD", ""))])
        metrics_at = None if metrics_port is None else (metrics_host, metrics_port)
        _run(lambda: _serve(settings, catalog, metrics_at))
    except OrchestraError as exc:
        raise _fail(str(exc)) from None
    except TRANSIENT_ERRORS as exc:
        raise _fail(f"cannot reach the board at {board_settings.redis_url}: {exc}") from None


async def _serve(settings: PeerSettings, catalog: Any, metrics_at: tuple[str, int] | None = None) -> None:
    caps = await advertisable(catalog, settings.capabilities)
    metrics = PeerMetrics() if metrics_at else None
    async with connect(settings.board, wait_s=settings.board.connect_timeout_s) as board:
        peer = Peer(board, settings, caps, metrics=metrics)
        with ExitStack() as stack:
            if metrics is not None and metrics_at is not None:
                stack.enter_context(MetricsServer(metrics.registry, *metrics_at))
            # everything loaded so far lives as long as the process: keep it out of the collector's
            # passes, which otherwise cost a task tens of microseconds on its way to the handler
            gc.freeze()
            await peer.run(handle_signals=True)


async def _check(settings: BoardSettings, name: str | None) -> int:
    try:
        async with connect(settings) as board:
            if name:
                alive = await board.peers.heartbeat(name) is not None
                what = f"peer {name}"
            else:
                host = socket.gethostname()
                alive = any(p.alive and p.info.host == host for p in await board.peers.all())
                what = f"a peer on {host}"
    except TRANSIENT_ERRORS as exc:
        err.print(f"unhealthy: cannot reach the board: {exc}")
        return 1
    console.print(f"{'alive' if alive else 'not alive'}: {what}")
    return 0 if alive else 1


def _with_board(ctx: typer.Context, fn: Callable[[Board], Awaitable[None]]) -> None:
    settings = _shared_board(ctx)

    async def go() -> None:
        async with connect(settings) as board:
            await fn(board)

    try:
        _run(go)
    except OrchestraError as exc:
        raise _fail(str(exc)) from None
    except TRANSIENT_ERRORS as exc:
        raise _fail(f"cannot reach the board at {settings.redis_url}: {exc}") from None


@board_app.command("status")
def board_status(ctx: typer.Context) -> None:
    """Queues per capability, live peers, and the latest runs."""

    async def show(board: Board) -> None:
        console.print(views.queues_table(await board.tasks.stats()))
        console.print(views.peers_table([p for p in await board.peers.all() if p.alive]))
        console.print(views.runs_table(await board.runs.recent(5)))

    _with_board(ctx, show)


@board_app.command("runs")
def board_runs(ctx: typer.Context, limit: Annotated[int, typer.Option(help="How many.")] = 20) -> None:
    """The newest runs."""

    async def show(board: Board) -> None:
        console.print(views.runs_table(await board.runs.recent(limit)))

    _with_board(ctx, show)


@board_app.command("tasks")
def board_tasks(ctx: typer.Context, run: Annotated[str, typer.Argument(help="Run id.")]) -> None:
    """The tasks of one run: state, attempts, owner, result or error."""

    async def show(board: Board) -> None:
        console.print(views.tasks_table(await board.runs.get(run), await board.runs.tasks(run)))

    _with_board(ctx, show)


@board_app.command("peers")
def board_peers(ctx: typer.Context) -> None:
    """Registered peers, alive or gone, with their counters."""

    async def show(board: Board) -> None:
        console.print(views.peers_table(await board.peers.all()))

    _with_board(ctx, show)


@board_app.command("dead")
def board_dead(ctx: typer.Context, limit: Annotated[int, typer.Option(help="How many.")] = 50) -> None:
    """Tasks that used up their attempts, with the last error."""

    async def show(board: Board) -> None:
        console.print(views.dead_table(await board.tasks.dead(limit)))

    _with_board(ctx, show)


@board_app.command("cancel")
def board_cancel(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id.")],
    reason: Annotated[str, typer.Option(help="Recorded on the run.")] = "cancelled from the CLI",
) -> None:
    """Cancel a run: unfinished tasks are cancelled, running handlers are stopped."""

    async def act(board: Board) -> None:
        n = await board.runs.cancel(run, reason)
        console.print(f"cancelled run {run} ({n} unfinished task(s))")

    _with_board(ctx, act)


def _decide(ctx: typer.Context, run: str, task: str, approve: bool, by: str, reason: str) -> None:
    async def act(board: Board) -> None:
        tid = f"{run}.{task}"
        if approve:
            await board.tasks.approve(tid, by, reason)
        else:
            await board.tasks.reject(tid, by, reason)
        console.print(f"{'approved' if approve else 'rejected'} {tid}")

    _with_board(ctx, act)


@board_app.command("approve")
def board_approve(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id.")],
    task: Annotated[str, typer.Argument(help="Task id within the run.")],
    by: Annotated[str, typer.Option(help="Who approves.")] = os.environ.get("USER", "cli"),
    reason: Annotated[str, typer.Option()] = "",
) -> None:
    """Approve a task that waits for a human."""
    _decide(ctx, run, task, True, by, reason)


@board_app.command("reject")
def board_reject(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id.")],
    task: Annotated[str, typer.Argument(help="Task id within the run.")],
    by: Annotated[str, typer.Option(help="Who rejects.")] = os.environ.get("USER", "cli"),
    reason: Annotated[str, typer.Option()] = "",
) -> None:
    """Reject a task that waits for a human: it fails and what depends on it is skipped."""
    _decide(ctx, run, task, False, by, reason)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
