"""``orchestra feedback``: GitHub feedback on pull requests, a process of its own; registered in
``cli.py`` (it follows that module's conventions without importing it)."""

from __future__ import annotations

from typing import Annotated

import typer

from blackboard import TRANSIENT_ERRORS, OrchestraError

from ._aio import run_async
from ._console import fail as _fail
from ._console import shared_board


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

    board = shared_board(ctx, "the feedback", "so it sees the runs the peers finish")
    try:
        settings = FeedbackSettings.from_env(
            board, consumer=name, group=group, api_url=api_url, public_url=public_url
        )
        run_async(lambda: serve(settings))
    except OrchestraError as exc:
        raise _fail(str(exc)) from None
    except TRANSIENT_ERRORS as exc:
        raise _fail(f"cannot reach the board at {board.redis_url}: {exc}") from None
