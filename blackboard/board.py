"""The board: one object composed of its parts, and ``connect`` to open one.

    async with connect(BoardSettings.from_env()) as board:
        created = await board.runs.create(specs)
        claims = await board.tasks.claim("peer-1", ["build"], count=4, block_ms=1000)

With no ``redis_url`` the board is embedded: the same scripts run in-process on fakeredis
(no persistence, one process), so ``orchestra run`` works with nothing else installed.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ._core import Core, LocalWakeup
from ._scripts import Scripts
from .artifacts import Artifacts
from .cache import Cache
from .dedupe import Dedupe
from .events import EventLog
from .keys import Keys
from .ledger import Ledger
from .registry import PeerRegistry
from .runs import Runs
from .settings import BoardSettings
from .tasks import TaskQueue

log = logging.getLogger(__name__)

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    RedisConnectionError,  # includes BusyLoadingError: a restarted Redis still loading its AOF
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
)
"""Errors after which an operation may simply be tried again once Redis answers."""


@dataclass(frozen=True)
class Board:
    """Runs, tasks, events, artifacts, peers, dedupe keys and ledgers of one namespace."""

    core: Core
    runs: Runs
    tasks: TaskQueue
    events: EventLog
    artifacts: Artifacts
    peers: PeerRegistry
    dedupe: Dedupe
    ledger: Ledger
    cache: Cache

    @classmethod
    def from_core(cls, core: Core) -> Board:
        return cls(
            core=core,
            runs=Runs(core),
            tasks=TaskQueue(core),
            events=EventLog(core),
            artifacts=Artifacts(core),
            peers=PeerRegistry(core),
            dedupe=Dedupe(core),
            ledger=Ledger(core),
            cache=Cache(core),
        )

    @property
    def settings(self) -> BoardSettings:
        return self.core.settings

    @property
    def keys(self) -> Keys:
        return self.core.keys

    @property
    def embedded(self) -> bool:
        return self.core.wakeup is not None

    async def ping(self) -> bool:
        return bool(await self.core.redis.ping())

    async def close(self) -> None:
        await self.core.redis.aclose()
        await self.core.raw.aclose()


def _redis_clients(url: str) -> tuple[Redis, Redis]:
    def client(decode: bool) -> Redis:
        return Redis.from_url(
            url,
            decode_responses=decode,
            socket_connect_timeout=2.0,
            socket_timeout=15.0,
            socket_keepalive=True,
            health_check_interval=15,
            retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=1.0), retries=3),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )

    return client(True), client(False)


def _embedded_clients() -> tuple[Redis, Redis]:
    import fakeredis  # the embedded board only

    server = fakeredis.FakeServer()
    return (
        fakeredis.FakeAsyncRedis(server=server, decode_responses=True),
        fakeredis.FakeAsyncRedis(server=server, decode_responses=False),
    )


async def open_board(settings: BoardSettings) -> Board:
    """Open a board (the caller closes it); loads the Lua scripts."""
    keys = Keys(settings.namespace, settings.partitions)
    if settings.redis_url:
        redis, raw = _redis_clients(settings.redis_url)
        wakeup = None
    else:
        redis, raw = _embedded_clients()
        wakeup = LocalWakeup()
    scripts = Scripts(redis, on_write=wakeup.notify if wakeup else None)
    try:
        await scripts.load()
    except Exception:
        await redis.aclose()
        await raw.aclose()
        raise
    return Board.from_core(Core(redis, raw, scripts, keys, settings, wakeup))


@asynccontextmanager
async def connect(settings: BoardSettings, *, wait_s: float = 0.0) -> AsyncIterator[Board]:
    """Open the board for the block. With ``wait_s``, keep trying (with backoff) while Redis does
    not answer yet, as processes started together by a supervisor need."""
    board = await wait_for_board(settings, wait_s) if wait_s > 0 else await open_board(settings)
    try:
        yield board
    finally:
        await board.close()


async def wait_for_board(settings: BoardSettings, wait_s: float) -> Board:
    """``open_board``, retried with backoff until it works or ``wait_s`` passes."""
    deadline = anyio.current_time() + wait_s
    delay, told = 0.1, False
    while True:
        try:
            return await open_board(settings)
        except TRANSIENT_ERRORS as exc:
            if anyio.current_time() + delay > deadline:
                raise
            if not told:
                log.warning("waiting for the board at %s (%s)", settings.redis_url, exc)
                told = True
            await anyio.sleep(delay)
            delay = min(delay * 2, 2.0)
