"""``orchestra feedback``: GitHub feedback on pull requests, a process of its own; registered in
``cli.py`` (it follows that module's conventions without importing it)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from blackboard import TRANSIENT_ERRORS, BoardSettings, OrchestraError

from ._aio import run_async

err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


def feedback(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Option(help="This replica's consumer name; keep it across restarts (default: the host name)."),
    ] = None,
    group: Annotated[
        str | None, typer.Option(help="Consumer group shared by the replicas (default github-feedback).")
    ] = None,
    api_url: Annotated[
        str | None, typer.Option(help="GitHub's REST API (env GITHUB_API_URL; https://api.github.com).")
    ] = None,
    public_url: Annotated[
        str | None,
        typer.Option(help="The gateway's URL, for the statuses' links (env ORCHESTRA_PUBLIC_URL)."),
    ] = None,
) -> None:
    """Comment on pull requests ("Safe to merge and deploy" or the failures, one comment updated
    in place) and set a commit status per stage, from the board's events.

    The token comes from the environment only (GITHUB_TOKEN), never from a flag.
    """
    from .feedback import FeedbackSettings, serve

    board: BoardSettings = ctx.obj
    if board.embedded:
        raise _fail("the feedback needs a shared board: set REDIS_URL (or --redis-url)")
    try:
        settings = FeedbackSettings.from_env(
            board, consumer=name, group=group, api_url=api_url, public_url=public_url
        )
        run_async(lambda: serve(settings))
    except OrchestraError as exc:
        raise _fail(str(exc)) from None
    except TRANSIENT_ERRORS as exc:
        raise _fail(f"cannot reach the board at {board.redis_url}: {exc}") from None
