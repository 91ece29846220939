"""The GitOps gateway app: GitHub webhooks in, the run and artifact API out, Prometheus metrics.

``create_app`` builds the app around a board the caller opened (tests pass theirs); ``serve``
opens the board, runs uvicorn until SIGTERM or SIGINT (requests in flight get a grace period),
then closes the board.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version

import anyio
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from blackboard import TRANSIENT_ERRORS, Board, BoardError, InvalidState, NotFound, connect

from ..errors import PeerError
from . import api, webhooks
from .metrics import GatewayMetrics, TimingMiddleware
from .settings import GatewaySettings

log = logging.getLogger(__name__)


def _version() -> str:
    try:
        return version("devops-orchestra")
    except PackageNotFoundError:
        return "0.0.0"


def create_app(board: Board, settings: GatewaySettings) -> FastAPI:
    """The gateway around ``board`` (which the caller opens and closes)."""
    metrics = GatewayMetrics()
    app = FastAPI(
        title="DevOps Orchestra gateway",
        version=_version(),
        description="GitHub webhooks in; runs, tasks, events, artifacts and peers of the board out.",
    )
    app.state.board = board
    app.state.metrics = metrics
    app.add_middleware(TimingMiddleware, metrics=metrics)
    app.include_router(webhooks.router(board, settings, metrics))
    app.include_router(api.read_router(board, metrics))
    app.include_router(api.write_router(board, settings))
    _error_handlers(app)
    return app


def _error_handlers(app: FastAPI) -> None:
    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    async def conflict(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    async def refused(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("%s %s: the board is unavailable: %s", request.method, request.url.path, exc)
        return JSONResponse({"detail": "the board is unavailable"}, status_code=503)

    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(InvalidState, conflict)
    app.add_exception_handler(BoardError, refused)
    for error in TRANSIENT_ERRORS:
        if issubclass(error, Exception):
            app.add_exception_handler(error, unavailable)


class GatewayServer(uvicorn.Server):
    """uvicorn's server, minus its own signal handling: ``serve`` handles SIGTERM/SIGINT with anyio
    (uvicorn re-raises a caught signal once it has stopped, which would kill the process before
    the board is closed)."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def stop(self, force: bool = False) -> None:
        """Stop accepting connections; requests in flight get ``timeout_graceful_shutdown``."""
        if force:
            self.force_exit = True
        self.should_exit = True


def server(app: FastAPI, settings: GatewaySettings) -> GatewayServer:
    """A uvicorn server for ``app``; logging is left to the entry point's configuration."""
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,
        access_log=settings.access_log,
        lifespan="on",
        server_header=False,
        timeout_graceful_shutdown=max(1, round(settings.graceful_shutdown_s)),
    )
    return GatewayServer(config)


async def serve(settings: GatewaySettings) -> None:
    """Open the board, serve until SIGTERM/SIGINT, let requests in flight finish, close the board."""
    async with connect(settings.board, wait_s=settings.board.connect_timeout_s) as board:
        await board.ping()
        app = create_app(board, settings)
        if not settings.webhook_secret:
            log.warning("no webhook secret (ORCHESTRA_WEBHOOK_SECRET): webhooks are refused with 503")
        if not settings.api_token:
            log.warning("no API token (ORCHESTRA_API_TOKEN): the write API is disabled")
        srv = server(app, settings)
        log.info(
            "gateway on http://%s:%d (namespace %s)", settings.host, settings.port, settings.board.namespace
        )
        started = True
        async with anyio.create_task_group() as tg:
            tg.start_soon(_stop_on_signal, srv, settings.graceful_shutdown_s)
            try:
                await srv.serve()
            except SystemExit:  # uvicorn's answer to a failed startup (address in use, ...)
                started = False
            finally:
                tg.cancel_scope.cancel()
    if not started:
        raise PeerError(f"the gateway could not start on {settings.host}:{settings.port} (see the log)")
    log.info("gateway stopped")


async def _stop_on_signal(srv: GatewayServer, grace_s: float) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for signum in signals:
            name = signal.Signals(signum).name
            if srv.should_exit:
                log.warning("second %s: stopping now", name)
                srv.stop(force=True)
            else:
                log.info("%s: stopping; requests in flight get %.0fs", name, grace_s)
                srv.stop()
