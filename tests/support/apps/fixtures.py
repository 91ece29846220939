"""Fixtures for deploy, observe and rollback tests: a board on the real private redis-server
(these tests run real processes; one backend is enough) and a project torn down afterwards."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from blackboard import Board, BoardSettings, connect
from capabilities.deploy import teardown


@pytest.fixture
async def real_board(redis_settings: BoardSettings) -> AsyncIterator[Board]:
    async with connect(redis_settings) as board:
        yield board


@pytest.fixture
async def project(cache_dir: Path) -> AsyncIterator[str]:
    """A project name of its own; its routers and versions are stopped at the end."""
    name = f"p{uuid.uuid4().hex[:10]}"
    yield name
    await teardown(cache_dir, name)
