"""Blue-green, canary and rolling on the local runtime: real processes behind the real router,
real HTTP load on loopback during every switch."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from blackboard import Board
from capabilities.deploy import Deploy, History, LocalRuntime
from tests.support.apps import write_app
from tests.support.apps.pipeline import app_config, run_stages
from tests.support.load import Load

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(180)]


async def first_deploy(board: Board, repo: Path, project: str, **config: object) -> str:
    """Deploy the good app as the service's first version; returns its URL."""
    write_app(repo)
    done = await run_stages(board, [Deploy()], repo, app_config(project, **config), stages=("deploy",))  # type: ignore[arg-type]
    data = done.data("deploy:web")
    assert data["strategy"] == "initial" and data["url"].startswith("http://127.0.0.1:")
    async with httpx.AsyncClient(timeout=5) as http:
        assert (await http.get(data["url"] + "/")).status_code == 200
    return str(data["url"])


async def test_blue_green_switches_with_zero_failed_requests(
    real_board: Board, tmp_path: Path, project: str, cache_dir: Path
) -> None:
    repo = tmp_path / "repo"
    url = await first_deploy(real_board, repo, project)
    config = app_config(project, strategy="blue-green", scale_down_delay=0.5)
    async with Load(url, rate=150, concurrency=6) as load:
        write_app(repo, greeting="green")  # a new commit: a new version
        done = await run_stages(real_board, [Deploy()], repo, config, stages=("deploy",))
        data = done.data("deploy:web")
        green = data["version"]
        marks = load.count()
        await _more(load, marks + 100)
    assert data["strategy"] == "blue-green" and data["previous"] and data["previous"] != green
    assert load.failed == 0, load.failures()[:5]
    versions = [s.version for s in load.samples]
    switched = versions.index(green)
    assert set(versions[:switched]) == {data["previous"]}  # all at once: blue, then only green
    assert set(versions[switched:]) == {green}
    assert data["retired"] == [data["previous"]]  # blue stopped after the scale-down delay
    runtime = LocalRuntime(cache_dir, project, "web")
    assert {i.version for i in await runtime.instances()} == {green}
    [entry, *_] = await History(_ledger(real_board, done.run.id), project, "web").entries()
    assert (entry.version, entry.status, entry.healthy, entry.strategy) == (
        green,
        "promoted",
        True,
        "blue-green",
    )


async def test_a_failing_canary_rolls_back_on_its_own(
    real_board: Board, tmp_path: Path, project: str
) -> None:
    repo = tmp_path / "repo"
    url = await first_deploy(real_board, repo, project)
    config = app_config(project, strategy="canary", steps=[25, 50, 100], interval=0.5, failure_limit=2)
    async with Load(url, rate=150, concurrency=6) as load:
        write_app(repo, error_rate=0.5)
        done = await run_stages(real_board, [Deploy()], repo, config, stages=("deploy",))
        rolled_back_at = load.count()
        await _more(load, rolled_back_at + 100)
    error = done.error("deploy:web")
    assert "aborted at 25%" in error and "error_rate" in error and "traffic is back on" in error, error
    [event] = done.of_kind("rollback")
    bad, good = event.data["from"], event.data["to"]
    assert event.data["metrics"]["error_rate"]["ok"] is False
    assert event.data["metrics"]["error_rate"]["value"] > 5
    assert load.failed == 0, load.failures()[:5]  # no request lost in either switch
    after = load.samples[rolled_back_at:]
    assert {s.version for s in after} == {good} and {s.status for s in after} == {200}
    assert load.statuses(bad)[500] > 0  # the canary did get (and fail) some traffic
    assert [e.data["weight"] for e in done.of_kind("deploy.step")] == [25]
    [entry, *_] = await History(_ledger(real_board, done.run.id), project, "web").entries()
    assert (entry.version, entry.status, entry.to) == (bad, "rolled_back", good)


async def test_a_good_canary_promotes_through_every_step(
    real_board: Board, tmp_path: Path, project: str, cache_dir: Path
) -> None:
    repo = tmp_path / "repo"
    url = await first_deploy(real_board, repo, project)
    config = app_config(project, strategy="canary", steps=[10, 50, 100], interval=0.5)
    async with Load(url, rate=150, concurrency=6) as load:
        write_app(repo, greeting="v2")
        done = await run_stages(real_board, [Deploy()], repo, config, stages=("deploy",))
        data = done.data("deploy:web")
        await _more(load, load.count() + 50)
    assert [e.data["weight"] for e in done.of_kind("deploy.step")] == [10, 50, 100]
    assert [s["weight"] for s in data["steps"]] == [10, 50, 100]
    assert data["analysis"]["analyses"] >= 3 and data["analysis"]["failed"] == 0
    assert load.failed == 0, load.failures()[:5]
    assert load.samples[-1].version == data["version"]
    table = await _table(cache_dir, project)
    assert table.percent()[data["version"]] == 100.0
    assert len(done.of_kind("deploy.promoted")) == 1


async def test_rolling_replaces_replicas_batch_by_batch(
    real_board: Board, tmp_path: Path, project: str, cache_dir: Path
) -> None:
    repo = tmp_path / "repo"
    url = await first_deploy(real_board, repo, project, replicas=3)
    runtime = LocalRuntime(cache_dir, project, "web")
    old = await runtime.instances()
    assert len(old) == 3
    config = app_config(project, strategy="rolling", replicas=3, batch_size=1, interval=0.4)
    async with Load(url, rate=150, concurrency=6) as load:
        write_app(repo, greeting="rolled")
        done = await run_stages(real_board, [Deploy()], repo, config, stages=("deploy",))
        data = done.data("deploy:web")
        await _more(load, load.count() + 50)
    steps = [e.data for e in done.of_kind("deploy.step")]
    assert [(s["replaced"], s["of"]) for s in steps] == [(1, 3), (2, 3), (3, 3)]
    assert load.failed == 0, load.failures()[:5]
    new = await runtime.instances()
    assert sorted(i.replica for i in new) == [0, 1, 2] and {i.version for i in new} == {data["version"]}
    assert not {i.pid for i in old} & {i.pid for i in new}
    # during the rollout both versions answered: one replica at a time changed sides
    assert {s.version for s in load.samples} == {old[0].version, data["version"]}


async def test_deploying_the_serving_version_again_changes_nothing(
    real_board: Board, tmp_path: Path, project: str
) -> None:
    repo = tmp_path / "repo"
    await first_deploy(real_board, repo, project)
    again = await run_stages(real_board, [Deploy()], repo, app_config(project), stages=("deploy",))
    assert again.data("deploy:web")["unchanged"] is True


async def test_a_version_that_never_gets_healthy_fails_without_traffic(
    real_board: Board, tmp_path: Path, project: str, cache_dir: Path
) -> None:
    repo = tmp_path / "repo"
    url = await first_deploy(real_board, repo, project)
    config = app_config(project, strategy="canary")
    write_app(repo, unhealthy=True)
    from capabilities.deploy.strategies import _rollout

    old_timeout, _rollout.HEALTH_TIMEOUT_S = _rollout.HEALTH_TIMEOUT_S, 2.0
    try:
        done = await run_stages(real_board, [Deploy()], repo, config, stages=("deploy",))
    finally:
        _rollout.HEALTH_TIMEOUT_S = old_timeout
    assert "did not answer /health with 2xx" in done.error("deploy:web")
    async with httpx.AsyncClient(timeout=5) as http:
        assert (await http.get(url + "/")).status_code == 200
    [entry, *_] = await History(_ledger(real_board, done.run.id), project, "web").entries()
    assert entry.status == "failed"
    assert len(await LocalRuntime(cache_dir, project, "web").instances()) == 1


# -- helpers ---------------------------------------------------------------------------------


async def _more(load: Load, n: int) -> None:
    from tests.support.wait import eventually

    await eventually(lambda: load.count() >= n, timeout=20, what=f"{n} requests sent")


async def _table(cache_dir: Path, project: str):  # type: ignore[no-untyped-def]
    runtime = LocalRuntime(cache_dir, project, "web")
    await runtime.prepare()
    return await runtime.table()


class _ledger:
    """The board's ledger, as the Context shows it to capabilities."""

    def __init__(self, board: Board, run: str) -> None:
        self.board = board

    async def history(self, name: str, limit: int = 100) -> list[dict[str, object]]:
        return await self.board.ledger.read(name, limit)

    async def record(self, name: str, entry: dict[str, object]) -> dict[str, object]:
        return await self.board.ledger.append(name, entry)
