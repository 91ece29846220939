"""A failed analysis stops the run before build: test and build never start."""

from __future__ import annotations

from pathlib import Path

import pytest

from blackboard import Board, RunMeta, TaskSpec, TaskState
from capabilities.analyze import Analyze
from capabilities.config import resolve_config
from capabilities.host import default_cache_dir
from capabilities.source import snapshot
from tests.support.capabilities import Noop
from tests.support.peers import running_peer

from .conftest import write_repo

pytestmark = pytest.mark.anyio


async def test_a_failed_analysis_skips_build(board: Board, tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "svc", {"requirements.txt": "", "app.py": "import requests\n"})
    config, _, _ = resolve_config(repo)
    snap = await snapshot(repo, default_cache_dir())
    inputs = {"service": "svc", "kind": "ci"}
    specs = [
        TaskSpec(
            id="analyze:svc", capability="analyze", inputs={**inputs, "stage": "analyze"}, max_attempts=1
        ),
        TaskSpec(
            id="test:svc", capability="noop", inputs={**inputs, "stage": "test"}, needs=("analyze:svc",)
        ),
        TaskSpec(id="build:svc", capability="noop", inputs={**inputs, "stage": "build"}, needs=("test:svc",)),
    ]
    created = await board.runs.create(
        specs, RunMeta(trigger="test", repo=snap.repo, commit=snap.commit, branch=snap.branch)
    )
    await board.artifacts.put(created.run_id, "config.json", config.model_dump_json())
    async with running_peer(board, [Analyze(), Noop()]):
        run = await board.runs.wait(created.run_id, timeout_s=120)
    states = {t.spec: t for t in await board.runs.tasks(run.id)}
    assert states["analyze:svc"].state is TaskState.FAILED
    assert "app.py:1" in states["analyze:svc"].error and "`requests`" in states["analyze:svc"].error
    assert states["test:svc"].state is TaskState.SKIPPED
    assert states["build:svc"].state is TaskState.SKIPPED
    assert run.status.value == "failed"
