"""One real board (a private redis-server) for the stage tests: the stages are the subject here,
not the board backends, and each test installs real packages into cached venvs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from blackboard import Board, BoardSettings, connect


@pytest.fixture
async def real_board(redis_settings: BoardSettings) -> AsyncIterator[Board]:
    async with connect(redis_settings) as b:
        yield b
