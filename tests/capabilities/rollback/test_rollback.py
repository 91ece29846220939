"""Rollback on demand, and the joint abort of a dependent's canary when a dependency rolls back."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from blackboard import Board
from capabilities.deploy import Deploy, LocalRuntime
from capabilities.rollback import Rollback
from tests.support.apps import write_app
from tests.support.apps.pipeline import PipelineRun, app_config, app_service, run_stages
from tests.support.load import Load
from tests.support.wait import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(180)]


async def test_rollback_restarts_the_last_healthy_version_and_stops_the_bad_one(
    real_board: Board, tmp_path: Path, project: str, cache_dir: Path
) -> None:
    repo = tmp_path / "repo"
    write_app(repo)
    config = app_config(project, strategy="blue-green", interval=0.3, scale_down_delay=0)
    first = await run_stages(real_board, [Deploy()], repo, config, stages=("deploy",))
    url, good = first.data("deploy:web")["url"], first.data("deploy:web")["version"]
    write_app(repo, greeting="second")
    second = await run_stages(real_board, [Deploy()], repo, config, stages=("deploy",))
    bad = second.data("deploy:web")["version"]
    runtime = LocalRuntime(cache_dir, project, "web")
    assert {i.version for i in await runtime.instances()} == {bad}  # blue already stopped
    async with Load(url, rate=100, concurrency=4) as load:
        await eventually(lambda: load.count() > 30, timeout=10, what="traffic on the bad version")
        done = await run_stages(
            real_board, [Rollback()], repo, config, stages=("rollback",), inputs={"reason": "pager went off"}
        )
        mark = load.count()
        await eventually(lambda: load.count() > mark + 50, timeout=10, what="traffic after")
    result = done.data("rollback:web")
    assert (result["from"], result["to"], result["restarted"]) == (bad, good, True)
    [event] = done.of_kind("rollback")
    assert event.data["reason"] == "pager went off"
    assert load.failed == 0, load.failures()[:5]
    assert {s.version for s in load.samples[mark:]} == {good}
    assert {i.version for i in await runtime.instances()} == {good}
    ledger = await real_board.ledger.read(f"deploys:{project}:web", 10)
    assert (ledger[0]["version"], ledger[0]["status"], ledger[0]["to"]) == (bad, "rolled_back", good)


async def test_rollback_with_nothing_to_go_back_to_fails_clearly(
    real_board: Board, tmp_path: Path, project: str
) -> None:
    repo = tmp_path / "repo"
    write_app(repo)
    config = app_config(project)
    await run_stages(real_board, [Deploy()], repo, config, stages=("deploy",))
    done = await run_stages(real_board, [Rollback()], repo, config, stages=("rollback",))
    assert "no healthy version before" in done.error("rollback:web")


async def test_a_dependents_canary_aborts_when_its_dependency_rolls_back(
    real_board: Board, tmp_path: Path, project: str, cache_dir: Path
) -> None:
    repo = tmp_path / "repo"
    write_app(repo / "backend")
    write_app(repo / "frontend")
    services = [
        app_service("backend", "backend"),
        app_service("frontend", "frontend", depends_on=["backend"]),
    ]
    quick = app_config(project, services=services, steps=[100], interval=0.3)
    slow = app_config(project, services=services, steps=[10, 20, 30, 40, 60, 80, 100], interval=0.5)
    for service in ("backend", "frontend"):
        await run_stages(real_board, [Deploy()], repo, quick, service=service, stages=("deploy",))
    write_app(repo / "backend", greeting="backend v2")
    await run_stages(real_board, [Deploy()], repo, quick, service="backend", stages=("deploy",))

    write_app(repo / "frontend", greeting="frontend v2")
    frontend = LocalRuntime(cache_dir, project, "frontend")
    await frontend.prepare()
    stable = (await frontend.table()).stable
    outcome: list[PipelineRun] = []

    async def canary() -> None:
        outcome.append(
            await run_stages(real_board, [Deploy()], repo, slow, service="frontend", stages=("deploy",))
        )

    async with Load(frontend.url, rate=80, concurrency=4) as load, anyio.create_task_group() as tg:
        tg.start_soon(canary)

        async def in_canary() -> bool:
            return len((await frontend.table()).routes) == 2

        await eventually(in_canary, timeout=30, what="the frontend canary taking traffic")
        rollback = await run_stages(
            real_board, [Rollback()], repo, quick, service="backend", stages=("rollback",)
        )
    [done] = outcome
    assert rollback.data("rollback:backend")["to"]
    error = done.error("deploy:frontend")
    assert "dependency backend rolled back" in error, error
    [event] = done.of_kind("rollback")
    assert event.data["to"] == stable
    table = await frontend.table()
    assert table.percent() == {stable: 100.0}
    assert [s for s in done.of_kind("deploy.step")][-1].data["weight"] < 100  # aborted mid-way
    assert load.failed == 0, load.failures()[:5]
