"""The peer runtime in-process, on both boards: running DAGs, concurrency, failures, shutdown."""

from __future__ import annotations

import random

import anyio
import pytest

from blackboard import Board, RunStatus, TaskSpec, TaskState
from blackboard.keys import task_id
from peers import NothingToServe, Peer, PeerSettings, advertisable
from peers.catalog import Catalog
from tests.support.capabilities import Echo, Fail, Gauge, Grow, Noop, Sleep, Unavailable
from tests.support.peers import running_peer
from tests.support.wait import eventually

pytestmark = pytest.mark.anyio


def spec(id: str, *needs: str, cap: str = "noop", **kw: object) -> TaskSpec:
    return TaskSpec(id=id, capability=cap, needs=needs, **kw)  # type: ignore[arg-type]


def random_dag(n: int, seed: int, cap: str = "noop") -> list[TaskSpec]:
    rng = random.Random(seed)
    specs = []
    for i in range(n):
        needs = tuple(sorted({f"t{j}" for j in rng.sample(range(i), min(i, rng.randint(0, 3)))}))
        specs.append(spec(f"t{i}", *needs, cap=cap))
    return specs


async def test_a_peer_runs_a_dag_to_success(board: Board) -> None:
    async with running_peer(board, [Noop(), Echo()]) as peer:
        created = await board.runs.create(
            [spec("a"), spec("b", "a", cap="echo", inputs={"x": 1}), spec("c", "a"), spec("d", "b", "c")]
        )
        run = await board.runs.wait(created.run_id, timeout_s=10)
    assert run.status is RunStatus.SUCCEEDED
    b = await board.runs.task(task_id(created.run_id, "b"))
    assert b.result == {"summary": "echo", "data": {"inputs": {"x": 1}, "peer": peer.id}}
    assert peer.stats.succeeded == 4


async def test_two_peers_run_every_task_of_a_random_dag_exactly_once(board: Board) -> None:
    specs = random_dag(60, seed=7)
    async with running_peer(board, [Noop()], concurrency=3), running_peer(board, [Noop()], concurrency=3):
        created = await board.runs.create(specs)
        run = await board.runs.wait(created.run_id, timeout_s=30)
    assert run.status is RunStatus.SUCCEEDED and run.succeeded == 60
    events = await board.events.history(created.run_id)
    started = [e.task for e in events if e.kind == "task.started"]
    done = [e.task for e in events if e.kind == "task.succeeded"]
    assert len(started) == len(set(started)) == 60
    assert len(done) == len(set(done)) == 60
    finished_at = {t.id: t for t in await board.runs.tasks(created.run_id)}
    for s in specs:  # a task started only after everything it needs had finished
        t = finished_at[task_id(created.run_id, s.id)]
        assert all(finished_at[task_id(created.run_id, n)].finished_ms <= t.started_ms for n in s.needs)


async def test_concurrency_is_a_hard_limit(board: Board) -> None:
    gauge = Gauge()
    async with running_peer(board, [gauge], concurrency=3):
        created = await board.runs.create(
            [spec(f"g{i}", cap="gauge", inputs={"seconds": 0.05}) for i in range(12)]
        )
        await board.runs.wait(created.run_id, timeout_s=20)
    assert gauge.runs == 12 and gauge.peak == 3


async def test_a_crashing_handler_fails_its_task_with_the_traceback(board: Board) -> None:
    async with running_peer(board, [Fail(), Noop()]):
        created = await board.runs.create(
            [
                spec("boom", cap="fail", inputs={"crash": True, "message": "disk on fire"}),
                spec("after", "boom"),
            ]
        )
        run = await board.runs.wait(created.run_id, timeout_s=10)
    assert (run.status, run.failed, run.skipped) == (RunStatus.FAILED, 1, 1)
    task = await board.runs.task(task_id(created.run_id, "boom"))
    assert "Traceback (most recent call last)" in task.error
    assert "RuntimeError: disk on fire" in task.error
    assert task.attempt == 1  # an unexpected crash is not retried


async def test_a_retryable_failure_recovers_on_a_later_attempt(board: Board) -> None:
    async with running_peer(board, [Fail()]) as peer:
        created = await board.runs.create(
            [spec("flaky", cap="fail", inputs={"times": 2, "retryable": True}, max_attempts=3)]
        )
        run = await board.runs.wait(created.run_id, timeout_s=10)
    assert run.status is RunStatus.SUCCEEDED
    task = await board.runs.task(task_id(created.run_id, "flaky"))
    assert (task.attempt, task.result["summary"]) == (3, "recovered")
    assert peer.stats.retried == 2


async def test_a_task_can_grow_its_run(board: Board) -> None:
    async with running_peer(board, [Grow(), Noop()]):
        created = await board.runs.create(
            [
                spec(
                    "build",
                    cap="grow",
                    inputs={
                        "add": [{"id": "diagnose", "capability": "noop", "needs": ["build"]}],
                        "artifact": "hi",
                    },
                ),
            ]
        )
        run = await board.runs.wait(created.run_id, timeout_s=10)
    assert (run.status, run.total, run.added) == (RunStatus.SUCCEEDED, 2, 1)
    assert await board.artifacts.get(created.run_id, "grow.txt") == b"hi"


async def test_only_available_capabilities_are_advertised() -> None:
    catalog = Catalog([Noop(), Unavailable()])
    assert [c.name for c in await advertisable(catalog, ["noop", "unavailable"])] == ["noop"]
    with pytest.raises(NothingToServe, match="unavailable"):
        await advertisable(catalog, ["unavailable"])


async def test_the_registry_shows_what_a_peer_serves(board: Board) -> None:
    async with running_peer(board, [Noop(), Echo()], concurrency=2, tags={"zone": "a"}) as peer:
        [status] = await board.peers.all()
        assert status.alive and status.info.id == peer.id
        assert (status.info.capabilities, status.info.tags, status.info.concurrency) == (
            ["echo", "noop"],
            {"zone": "a"},
            2,
        )
    assert await board.peers.all() == []  # deregistered on a clean stop


async def test_a_stopping_peer_releases_unfinished_work_to_another(board: Board) -> None:
    created = await board.runs.create([spec("long", cap="sleep", inputs={"seconds": 30})])
    tid = task_id(created.run_id, "long")
    async with running_peer(board, [Sleep()], grace_s=0.2) as leaving:
        await eventually(lambda: leaving.inflight.running == 1, what="the first peer runs the task")
    assert leaving.stats.released == 1
    task = await board.runs.task(tid)
    assert (task.state, task.attempt) == (TaskState.PENDING, 0)  # a release is not an attempt
    assert [e.kind for e in await board.events.history(created.run_id)][-1] == "task.released"
    # another peer gets it at once, without waiting for the 1 s lease to run out
    [claim] = await board.tasks.claim("another", ["sleep"], 1, block_ms=0)
    assert (claim.task_id, claim.attempt) == (tid, 1)


async def test_a_cancelled_run_stops_the_running_handler(board: Board) -> None:
    async with running_peer(board, [Sleep()]) as peer:
        created = await board.runs.create([spec("long", cap="sleep", inputs={"seconds": 30})])
        await eventually(lambda: peer.inflight.running == 1, what="the task is running")
        await board.runs.cancel(created.run_id, "user asked")
        await eventually(lambda: peer.inflight.running == 0, timeout=5, what="the handler is stopped")
        assert peer.stats.lost == 1
    run = await board.runs.get(created.run_id)
    assert run.status is RunStatus.CANCELLED


async def test_the_id_of_a_live_peer_cannot_be_reused(board: Board) -> None:
    from peers import PeerError

    async with running_peer(board, [Noop()], name="only-one"):
        twin = Peer(
            board, PeerSettings(board=board.settings, capabilities=("noop",), name="only-one"), [Noop()]
        )
        with pytest.raises(PeerError, match="already uses the id"):
            await twin.run()


async def test_a_forced_stop_cuts_the_grace_period(board: Board) -> None:
    async with running_peer(board, [Sleep()], grace_s=60) as peer:
        created = await board.runs.create([spec("long", cap="sleep", inputs={"seconds": 60})])
        await eventually(lambda: peer.inflight.running == 1, what="the task is running")
        with anyio.fail_after(10):  # far below the 60 s grace
            peer.stop(force=True)
            await eventually(lambda: peer.stats.released == 1, what="the task is released")
    assert (await board.runs.task(task_id(created.run_id, "long"))).state is TaskState.PENDING
