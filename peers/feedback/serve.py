"""``serve``: the feedback as a process of its own (``orchestra feedback``) until SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import signal

import anyio

from blackboard import Board, connect

from .errors import FeedbackError
from .github import GitHubClient
from .service import FeedbackService
from .settings import FeedbackSettings

log = logging.getLogger(__name__)


async def run_feedback(board: Board, settings: FeedbackSettings) -> None:
    """Post feedback for ``board``'s runs until cancelled (for a process that has a board open:
    the gateway can run it in its task group)."""
    if not settings.configured:
        raise FeedbackError("no GitHub token: set GITHUB_TOKEN (or ORCHESTRA_GITHUB_TOKEN)")
    async with GitHubClient(settings.api_url, settings.token, timeout_s=settings.timeout_s) as github:
        await FeedbackService(board, github, settings).run()


async def serve(settings: FeedbackSettings) -> None:
    """Open the board and post feedback until SIGTERM or SIGINT; what was read and not yet
    handled then is handled after the next start."""
    if not settings.configured:
        raise FeedbackError("no GitHub token: set GITHUB_TOKEN (or ORCHESTRA_GITHUB_TOKEN)")
    async with connect(settings.board, wait_s=settings.board.connect_timeout_s) as board:
        async with anyio.create_task_group() as tg:
            tg.start_soon(_stop_on_signal, tg.cancel_scope)
            await run_feedback(board, settings)
    log.info("GitHub feedback stopped")


async def _stop_on_signal(scope: anyio.CancelScope) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for signum in signals:
            log.info("%s: stopping", signal.Signals(signum).name)
            scope.cancel()
            return
