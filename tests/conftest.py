"""Fixtures: one private redis-server per session (on a free port), a namespace per test,
and the board on both backends (real Redis and the embedded fakeredis)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from blackboard import Board, BoardSettings, connect
from tests.support.redis_server import RedisServer


@pytest.fixture(scope="session", autouse=True)
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Workspaces and snapshots of the whole session (peer processes inherit it), never ~/.cache."""
    path = Path(tmp_path_factory.mktemp("cache"))
    old = os.environ.get("ORCHESTRA_CACHE_DIR")
    os.environ["ORCHESTRA_CACHE_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("ORCHESTRA_CACHE_DIR", None)
    else:
        os.environ["ORCHESTRA_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(Path(tmp_path_factory.mktemp("redis")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def namespace() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["redis", "embedded"])
def board_settings(request: pytest.FixtureRequest, namespace: str) -> BoardSettings:
    """Core tests run on a real redis-server and on the embedded board."""
    url = request.getfixturevalue("redis_server").url if request.param == "redis" else None
    return BoardSettings(redis_url=url, namespace=namespace, lease_ms=1000, retry_backoff_ms=50)


@pytest.fixture
def redis_settings(redis_server: RedisServer, namespace: str) -> BoardSettings:
    """For tests that need a real server (other processes, kills, restarts)."""
    return BoardSettings(redis_url=redis_server.url, namespace=namespace, lease_ms=1000, retry_backoff_ms=50)


@pytest.fixture
async def board(board_settings: BoardSettings) -> AsyncIterator[Board]:
    async with connect(board_settings) as b:
        yield b
