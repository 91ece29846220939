"""``orchestra chatops``: a thin command, registered in ``cli.py``.

It follows ``cli.py``'s conventions (``peers._console``, ``ctx.obj`` is the
``BoardSettings`` of the app callback) without importing it: ``cli.py`` imports this module.
"""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path
from typing import Annotated

import anyio
import typer

from blackboard import TRANSIENT_ERRORS, OrchestraError

from ._aio import run_async
from ._console import fail as _fail
from ._console import shared_board


def chatops(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to listen on in HTTP mode (env ORCHESTRA_CHATOPS_HOST).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port in HTTP mode (env ORCHESTRA_CHATOPS_PORT; 3000).")
    ] = None,
    socket_mode: Annotated[
        bool | None,
        typer.Option(
            "--socket-mode/--http",
            help="Connect out to Slack with SLACK_APP_TOKEN instead of receiving HTTP requests.",
            show_default=False,
        ),
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option(help="Channel for runs not started from chat (env ORCHESTRA_CHATOPS_CHANNEL)."),
    ] = None,
    repo: Annotated[
        str | None, typer.Option(help="Clone URL deploys fetch refs from (env ORCHESTRA_CHATOPS_REPO).")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            help="A trusted devops_orchestra.yaml: allow lists, channel (env ORCHESTRA_CHATOPS_CONFIG)."
        ),
    ] = None,
    consumer: Annotated[
        str | None, typer.Option(help="This replica's name in the events group (default: the host name).")
    ] = None,
    access_log: Annotated[bool, typer.Option(help="Log one line per HTTP request.")] = False,
    if_configured: Annotated[
        bool,
        typer.Option(
            "--if-configured",
            help="Without Slack credentials, idle until stopped instead of failing (process managers).",
        ),
    ] = False,
) -> None:
    """Run the ChatOps bot: /orchestra commands and buttons from Slack, one updated thread per run.

    The Slack credentials come from the environment only (SLACK_BOT_TOKEN, and
    SLACK_SIGNING_SECRET for HTTP mode or SLACK_APP_TOKEN for Socket Mode), never from flags,
    so they do not show in the process list.
    """
    from .chatops import ChatOpsSettings, serve  # slack-bolt loads only for this command

    board = shared_board(ctx, "the ChatOps bot", "so the peers see the runs it starts")
    log_level = ctx.parent.params.get("log_level") if ctx.parent else None
    try:
        settings = ChatOpsSettings.from_env(
            board,
            host=host,
            port=port,
            socket_mode=socket_mode,
            channel=channel,
            repo=repo,
            config_path=config,
            consumer=consumer,
            access_log=access_log,
            log_level=str(log_level or "info").lower(),
        )
        run_async(lambda: serve(settings))
    except OrchestraError as exc:
        if if_configured and not os.environ.get("SLACK_BOT_TOKEN"):
            logging.getLogger(__name__).warning("ChatOps is off: %s", exc)
            run_async(_idle_until_stopped)
            return
        raise _fail(str(exc)) from None
    except TRANSIENT_ERRORS as exc:
        raise _fail(f"cannot reach the board at {board.redis_url}: {exc}") from None


async def _idle_until_stopped() -> None:
    """Stay up (a process manager stops everything when one process exits) until SIGTERM/SIGINT."""
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for _ in signals:
            return
