"""Observe after a promotion: a version whose memory grows in production is rolled back; a
healthy one is watched, then the previous version is retired."""

from __future__ import annotations

from pathlib import Path

import pytest

from blackboard import Board
from capabilities.deploy import Deploy, LocalRuntime
from capabilities.observe import Observe
from tests.support.apps import write_app
from tests.support.apps.pipeline import app_config, run_stages
from tests.support.load import Load
from tests.support.wait import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(180)]


async def serving(board: Board, repo: Path, project: str) -> str:
    write_app(repo)
    first = await run_stages(board, [Deploy()], repo, app_config(project), stages=("deploy",))
    return str(first.data("deploy:web")["url"])


async def test_a_memory_leak_after_rollout_is_rolled_back(
    real_board: Board, tmp_path: Path, project: str, cache_dir: Path
) -> None:
    repo = tmp_path / "repo"
    url = await serving(real_board, repo, project)
    config = app_config(
        project, strategy="canary", steps=[50, 100], interval=0.4, failure_limit=2, watch=20,
        memory_mb=80, scale_down_delay=30,
    )  # fmt: skip
    async with Load(url, rate=100, concurrency=4) as load:
        # fine through the canary, then it keeps 2 MB per request: the leak shows in production
        write_app(repo, leak_after=150, leak_kb=2048)
        done = await run_stages(real_board, [Deploy(), Observe()], repo, config)
        rolled_back_at = load.count()
        await eventually(lambda: load.count() >= rolled_back_at + 60, timeout=20, what="traffic after")
    leaky = done.data("deploy:web")["version"]
    error = done.error("observe:web")
    assert "rolled back" in error and "memory" in error, error
    [event] = done.of_kind("rollback")
    assert event.data["from"] == leaky and event.data["to"] != leaky
    memory = event.data["metrics"]["memory"]
    assert memory["ok"] is False and memory["value"] > 80 and memory["limit"] == 80
    assert event.data["restarted"] is False  # the old version was kept for a fast switch back
    assert event.data["switch_s"] < 1.0
    assert done.of_kind("alert"), "the first failed analysis raised an alert"
    assert load.failed == 0, load.failures()[:5]
    after = load.samples[rolled_back_at:]
    assert {s.version for s in after} == {event.data["to"]}
    runtime = LocalRuntime(cache_dir, project, "web")
    assert {i.version for i in await runtime.instances()} == {event.data["to"]}


async def test_a_healthy_version_is_watched_then_the_previous_one_retired(
    real_board: Board, tmp_path: Path, project: str, cache_dir: Path
) -> None:
    repo = tmp_path / "repo"
    url = await serving(real_board, repo, project)
    config = app_config(project, strategy="blue-green", interval=0.3, watch=1.5, scale_down_delay=2)
    async with Load(url, rate=80, concurrency=4) as load:
        write_app(repo, greeting="fine")
        done = await run_stages(real_board, [Deploy(), Observe()], repo, config)
    deployed, observed = done.data("deploy:web"), done.data("observe:web")
    assert "retired" not in deployed  # observe is planned: it retires blue after its watch
    assert observed["version"] == deployed["version"]
    assert observed["watched_s"] >= 1.5 and observed["analysis"]["ok"] is True
    assert observed["retired"] == [deployed["previous"]]
    assert load.failed == 0, load.failures()[:5]
    runtime = LocalRuntime(cache_dir, project, "web")
    assert {i.version for i in await runtime.instances()} == {deployed["version"]}
