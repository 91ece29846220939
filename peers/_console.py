"""What every ``orchestra`` command prints through, and the refusals they share."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from blackboard import BoardSettings

console = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` to stderr; the caller raises the returned Exit."""
    err.print(f"[red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


def shared_board(ctx: typer.Context, who: str, why: str) -> BoardSettings:
    """The board settings of the app callback, refusing the embedded board (one process only)."""
    settings: BoardSettings = ctx.obj
    if settings.embedded:
        raise fail(f"{who} needs a shared board: set REDIS_URL (or --redis-url) {why}")
    return settings
