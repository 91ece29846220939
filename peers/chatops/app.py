"""The ChatOps bot: a slack-bolt ``AsyncApp`` served over HTTP (uvicorn; bolt verifies Slack's
signature and the 5-minute timestamp window on every request) or over Socket Mode (the app token).

Every listener acks first: a command's ack is its answer (refusals and usage errors included,
so they post nothing), and anything slower than an ack goes to the bot's workers. ``running``
starts the listeners, the workers and the notifier around a board the caller opened (tests use
it); ``serve`` opens the board and runs until SIGTERM or SIGINT.
"""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import uvicorn
from anyio.abc import TaskStatus
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from blackboard import Board, connect

from . import messages
from .bot import Bot, build_bot
from .buttons import Buttons, Click
from .commands import Commands, Invocation
from .errors import ChatOpsError
from .notifier import Notifier
from .settings import ChatOpsSettings

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1024 * 1024


def create_app(bot: Bot, commands: Commands, buttons: Buttons) -> AsyncApp:
    """The bolt app: the slash command and the buttons, all acked before any work."""
    settings = bot.settings
    bolt_log = logging.getLogger("slack_bolt.orchestra")
    bolt_log.addFilter(_ClientGiven())
    app = AsyncApp(
        name="devops-orchestra",
        client=bot.client,
        signing_secret=settings.signing_secret or "",
        request_verification_enabled=not settings.socket_mode,
        logger=bolt_log,
    )

    async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        inv = Invocation(
            user=str(body.get("user_id", "")),
            channel=str(body.get("channel_id", "")),
            request_id=str(
                body.get("trigger_id") or f"{body.get('team_id')}:{body.get('user_id')}:{body.get('text')}"
            ),
            text=str(body.get("text", "")),
            response_url=str(body.get("response_url", "")),
        )
        answer = await commands.handle(inv)
        if answer.job is not None and not bot.jobs.submit(answer.job):
            await ack(text=":hourglass: I am busy; try again in a moment.", response_type="ephemeral")
            return
        await ack(response_type="ephemeral", **answer.message.kwargs())

    def clicked(work: Callable[[Click, AsyncRespond], Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        async def on_click(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
            await ack()
            click = Click(body)
            if not bot.jobs.submit(lambda: work(click, respond)):
                await bot.tell(
                    click.channel, click.user, messages.Message("I am busy; click again in a moment.")
                )

        return on_click

    app.command(settings.command)(on_command)
    app.action(messages.APPROVE_ACTION)(clicked(lambda c, r: buttons.decide(c, True)))
    app.action(messages.REJECT_ACTION)(clicked(lambda c, r: buttons.decide(c, False)))
    app.action(messages.CONFIRM_ACTION)(clicked(buttons.confirm))
    app.action(messages.DISMISS_ACTION)(clicked(lambda c, r: buttons.dismiss(r)))
    return app


class _ClientGiven(logging.Filter):
    """bolt reads SLACK_BOT_TOKEN from the environment by itself, then warns that the client we
    give it (which carries the API URL) wins; that is the intent, not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("As you gave `client` as well")


def http_app(bolt: AsyncApp) -> Starlette:
    """Slack's requests (commands and interactivity) on ``/slack/events``; ``/healthz`` for probes."""
    handler = AsyncSlackRequestHandler(bolt)

    async def events(request: Request) -> Response:
        length = request.headers.get("content-length", "0")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            return JSONResponse({"detail": f"the body is over {MAX_BODY_BYTES} bytes"}, status_code=413)
        return await handler.handle(request)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route(EVENTS_PATH, events, methods=["POST"]), Route("/healthz", healthz)])


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: ``serve`` handles signals with anyio."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ChatOpsError(f"the bot cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


@dataclass
class RunningBot:
    bot: Bot
    commands: Commands
    notifier: Notifier | None
    url: str | None
    """``http://host:port`` in HTTP mode; None in Socket Mode."""


@asynccontextmanager
async def running(
    board: Board, settings: ChatOpsSettings, *, client: AsyncWebClient | None = None, notify: bool = True
) -> AsyncIterator[RunningBot]:
    """The bot around ``board``: listeners, workers and (with ``notify``) the notifier."""
    bot = await build_bot(board, settings, client)
    try:
        await bot.client.auth_test()
    except SlackApiError as exc:
        raise ChatOpsError(f"Slack refused the bot token: {exc.response.get('error')}") from None
    except (SlackClientError, OSError, TimeoutError) as exc:
        raise ChatOpsError(f"cannot reach Slack's Web API at {settings.api_base}: {exc}") from None
    commands = Commands(bot)
    bolt = create_app(bot, commands, Buttons(commands))
    notifier = Notifier(bot) if notify else None
    done = {"jobs": anyio.Event(), "notifier": anyio.Event(), "server": anyio.Event()}

    async def track(name: str, fn: Callable[[], Awaitable[None]]) -> None:
        try:
            await fn()
        finally:
            done[name].set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(track, "jobs", bot.jobs.run)
        if notifier is not None:

            async def run_notifier(*, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
                try:
                    await notifier.run(task_status=task_status)
                finally:
                    done["notifier"].set()

            await tg.start(run_notifier)
        else:
            done["notifier"].set()
        refresh = anyio.CancelScope()
        tg.start_soon(_refresh, bot, refresh)
        handler: AsyncSocketModeHandler | None = None
        srv: _Server | None = None
        if settings.socket_mode:
            handler = AsyncSocketModeHandler(bolt, settings.app_token, web_client=bot.client)
            await handler.connect_async()  # type: ignore[no-untyped-call]
            url = None
            done["server"].set()
        else:
            sock = _listen(settings.host, settings.port)
            port = sock.getsockname()[1]
            srv = _Server(_uvicorn_config(http_app(bolt), settings))
            tg.start_soon(track, "server", lambda: srv.serve([sock]))
            url = f"http://{settings.host}:{port}"
        log.info("chatops bot up (%s, command %s)", url or "Socket Mode", settings.command)
        try:
            yield RunningBot(bot, commands, notifier, url)
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(settings.graceful_shutdown_s):
                if handler is not None:
                    await handler.close_async()  # type: ignore[no-untyped-call]
                if srv is not None:
                    srv.should_exit = True
                    await done["server"].wait()
                bot.jobs.close()
                if notifier is not None:
                    notifier.stop()
                for event in done.values():
                    await event.wait()
            refresh.cancel()
            tg.cancel_scope.cancel()


async def _refresh(bot: Bot, scope: anyio.CancelScope) -> None:
    every = bot.settings.config_refresh_s
    with scope:
        while every > 0:
            await anyio.sleep(every)  # the config is read again on a timer
            await bot.config.refresh()


def _uvicorn_config(app: Starlette, settings: ChatOpsSettings) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level=settings.log_level.lower(),
        log_config=None,
        access_log=settings.access_log,
        lifespan="off",
        server_header=False,
        timeout_graceful_shutdown=max(1, round(settings.graceful_shutdown_s)),
    )


async def serve(settings: ChatOpsSettings) -> None:
    """Open the board, run the bot until SIGTERM/SIGINT (work in hand gets a grace period), close it."""
    async with connect(settings.board, wait_s=settings.board.connect_timeout_s) as board:
        await board.ping()
        with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            async with running(board, settings):
                async for signum in signals:
                    log.info(
                        "%s: stopping; work in hand gets %.0fs",
                        signal.Signals(signum).name,
                        settings.graceful_shutdown_s,
                    )
                    break
    log.info("chatops bot stopped")
