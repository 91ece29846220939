"""Runs: creation posts the roots, dedupe, plan errors, growth within a budget, cancel."""

from __future__ import annotations

from dataclasses import replace

import pytest

from blackboard import (
    Board,
    BoardError,
    BudgetExceeded,
    Failure,
    Fenced,
    InvalidState,
    NotFound,
    PlanError,
    RunMeta,
    RunStatus,
    Success,
    TaskSpec,
    TaskState,
)
from blackboard.keys import task_id

pytestmark = pytest.mark.anyio


def spec(id: str, *needs: str, cap: str = "noop", **kw: object) -> TaskSpec:
    return TaskSpec(id=id, capability=cap, needs=needs, **kw)  # type: ignore[arg-type]


async def states(board: Board, run_id: str) -> dict[str, TaskState]:
    return {t.spec: t.state for t in await board.runs.tasks(run_id)}


async def drive(board: Board, run_id: str, caps: list[str], peer: str = "p1") -> list[str]:
    """Claim and complete until nothing is left; returns the spec ids in completion order."""
    await board.tasks.ensure_groups(caps)
    order: list[str] = []
    while True:
        claims = await board.tasks.claim(peer, caps, count=100, block_ms=0)
        if not claims:
            return order
        settled = await board.tasks.settle(peer, [Success(c, {"spec": c.spec}) for c in claims])
        assert all(s.accepted for s in settled)
        order += [c.spec for c in claims]


async def test_create_posts_only_the_roots(board: Board) -> None:
    created = await board.runs.create(
        [spec("a"), spec("b"), spec("c", "a", "b"), spec("d", "c")],
        RunMeta(trigger="push", repo="r", commit="abc", branch="main"),
    )
    assert created.created
    run = await board.runs.get(created.run_id)
    assert run.status is RunStatus.RUNNING
    assert (run.total, run.remaining, run.meta.branch) == (4, 4, "main")
    assert await states(board, created.run_id) == {
        "a": TaskState.PENDING,
        "b": TaskState.PENDING,
        "c": TaskState.BLOCKED,
        "d": TaskState.BLOCKED,
    }
    assert [e.kind for e in await board.events.history(created.run_id)] == ["run.created"]


async def test_a_dag_completes_in_dependency_order(board: Board) -> None:
    created = await board.runs.create([spec("a"), spec("b", "a"), spec("c", "a"), spec("d", "b", "c")])
    order = await drive(board, created.run_id, ["noop"])
    assert order[0] == "a" and order[-1] == "d" and sorted(order[1:3]) == ["b", "c"]
    run = await board.runs.get(created.run_id)
    assert (run.status, run.succeeded, run.remaining) == (RunStatus.SUCCEEDED, 4, 0)
    kinds = [e.kind for e in await board.events.history(created.run_id)]
    assert kinds[-1] == "run.succeeded" and kinds.count("task.succeeded") == 4


async def test_fan_out_fan_in_posts_every_successor_once(board: Board) -> None:
    width = 30
    fan = [spec(f"w{i}", "root") for i in range(width)]
    created = await board.runs.create([spec("root"), *fan, spec("join", *(s.id for s in fan))])
    await board.tasks.ensure_groups(["noop"])
    # several peers claim and complete concurrently-interleaved batches
    claimed: list[str] = []
    peers = ["p1", "p2", "p3"]
    turn = 0
    while True:
        claims = await board.tasks.claim(peers[turn % 3], ["noop"], count=4, block_ms=0)
        if not claims:
            break
        claimed += [c.spec for c in claims]
        await board.tasks.settle(peers[turn % 3], [Success(c, None) for c in claims])
        turn += 1
    assert sorted(claimed) == sorted(["root", "join", *(s.id for s in fan)])  # each exactly once
    join = await board.runs.task(task_id(created.run_id, "join"))
    assert (join.state, join.attempt, join.deps) == (TaskState.SUCCEEDED, 1, 0)
    started = [e.task for e in await board.events.history(created.run_id) if e.kind == "task.started"]
    assert len(started) == len(set(started)) == width + 2
    # every stream entry was acknowledged and deleted: nothing left to deliver
    assert (await board.tasks.stats())[0].queued == 0


async def test_a_dedupe_key_creates_one_run(board: Board) -> None:
    first = await board.runs.create([spec("a")], dedupe_key="delivery-1")
    again = await board.runs.create([spec("a")], dedupe_key="delivery-1")
    other = await board.runs.create([spec("a")], dedupe_key="delivery-2")
    assert first.created and not again.created and other.created
    assert again.run_id == first.run_id != other.run_id
    assert len(await board.runs.recent()) == 2


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([spec("a"), spec("a")], "used twice"),
        ([spec("a", "nope")], "not in the run"),
        ([spec("a", "b"), spec("b", "a")], "cycle"),
        ([spec("a", "a")], "needs itself"),
    ],
)
async def test_a_malformed_plan_writes_nothing(board: Board, specs: list[TaskSpec], message: str) -> None:
    with pytest.raises(PlanError, match=message):
        await board.runs.create(specs)
    assert await board.runs.recent() == []


async def test_an_empty_plan_finishes_at_once(board: Board) -> None:
    created = await board.runs.create([])
    assert (await board.runs.get(created.run_id)).status is RunStatus.SUCCEEDED


async def test_unknown_ids_raise_not_found(board: Board) -> None:
    with pytest.raises(NotFound):
        await board.runs.get("nope")
    with pytest.raises(NotFound):
        await board.runs.tasks("nope")
    with pytest.raises(NotFound):
        await board.runs.cancel("nope")


async def test_a_running_task_grows_its_run_within_the_budget(board: Board) -> None:
    created = await board.runs.create([spec("build"), spec("deploy", "build")], budget=2)
    await board.tasks.ensure_groups(["noop"])
    [build] = await board.tasks.claim("p1", ["noop"], 10, 0)
    # the build adds a diagnose task that deploy must now also wait for
    added = await board.runs.add_tasks(
        created.run_id, [spec("diagnose", "build")], before={"diagnose": ["deploy"]}, parent=build
    )
    assert added == 1
    with pytest.raises(BudgetExceeded):
        await board.runs.add_tasks(created.run_id, [spec("x1"), spec("x2")], parent=build)
    await board.tasks.settle("p1", [Success(build, None)])
    assert (await states(board, created.run_id))["deploy"] is TaskState.BLOCKED
    assert await drive(board, created.run_id, ["noop"]) == ["diagnose", "deploy"]
    run = await board.runs.get(created.run_id)
    assert (run.status, run.total, run.added) == (RunStatus.SUCCEEDED, 3, 1)


async def test_growth_is_fenced_and_refuses_cycles_and_started_targets(board: Board) -> None:
    created = await board.runs.create([spec("a"), spec("b", "a"), spec("c", "b")])
    await board.tasks.ensure_groups(["noop"])
    [a] = await board.tasks.claim("p1", ["noop"], 10, 0)
    with pytest.raises(BoardError, match="cycle"):  # b would wait for x, which needs c, which needs b
        await board.runs.add_tasks(created.run_id, [spec("x", "c")], before={"x": ["b"]}, parent=a)
    with pytest.raises(BoardError, match="only a task still waiting"):
        await board.runs.add_tasks(created.run_id, [spec("y")], before={"y": ["a"]}, parent=a)
    stale = replace(a, token=a.token + 5)
    with pytest.raises(Fenced):
        await board.runs.add_tasks(created.run_id, [spec("z")], parent=stale)
    assert len(await board.runs.tasks(created.run_id)) == 3  # nothing was written


async def test_a_task_added_after_its_need_failed_is_skipped(board: Board) -> None:
    created = await board.runs.create([spec("a", cap="fail"), spec("keep")])
    await board.tasks.ensure_groups(["fail", "noop"])
    claims = await board.tasks.claim("p1", ["fail"], 10, 0)
    await board.tasks.settle("p1", [Failure(claims[0], "boom")])
    await board.runs.add_tasks(created.run_id, [spec("late", "a"), spec("later", "late")])
    st = await states(board, created.run_id)
    assert st["late"] is TaskState.SKIPPED and st["later"] is TaskState.SKIPPED
    await drive(board, created.run_id, ["noop"])
    run = await board.runs.get(created.run_id)
    assert (run.status, run.failed, run.skipped, run.succeeded) == (RunStatus.FAILED, 1, 2, 1)


async def test_cancel_stops_every_unfinished_task(board: Board) -> None:
    created = await board.runs.create([spec("a"), spec("b"), spec("c", "a")])
    await board.tasks.ensure_groups(["noop"])
    [running, _] = await board.tasks.claim("p1", ["noop"], 2, 0)
    assert await board.runs.cancel(created.run_id, "stop it") == 3
    run = await board.runs.get(created.run_id)
    assert (run.status, run.cancelled, run.reason) == (RunStatus.CANCELLED, 3, "stop it")
    # the owner learns it at its next renewal, and its late completion is refused
    assert await board.tasks.renew("p1", [running]) == {running.task_id}
    [settled] = await board.tasks.settle("p1", [Success(running, None)])
    assert not settled.accepted
    assert await board.tasks.claim("p2", ["noop"], 10, 0) == []
    with pytest.raises(InvalidState, match="already cancelled"):
        await board.runs.cancel(created.run_id)


async def test_wait_times_out_with_the_run_state(board: Board) -> None:
    created = await board.runs.create([spec("a")])
    with pytest.raises(TimeoutError, match="1 task"):
        await board.runs.wait(created.run_id, timeout_s=0.1)


async def test_an_always_task_runs_after_its_needs_whatever_their_outcome(board: Board) -> None:
    created = await board.runs.create(
        [
            spec("test", cap="fail"),
            spec("scan"),
            spec("build", "test", "scan"),
            spec("report", "build", "scan", always=True),
        ]
    )
    await board.tasks.ensure_groups(["fail", "noop"])
    [test] = await board.tasks.claim("p1", ["fail"], 5, 0)
    await board.tasks.settle("p1", [Failure(test, "3 tests failed")])
    assert (await states(board, created.run_id))["report"] is TaskState.BLOCKED  # scan not done yet
    assert await drive(board, created.run_id, ["noop"]) == ["scan", "report"]
    st = await states(board, created.run_id)
    assert (st["build"], st["report"]) == (TaskState.SKIPPED, TaskState.SUCCEEDED)
    assert (await board.runs.get(created.run_id)).status is RunStatus.FAILED  # the report does not hide it


async def test_a_failing_task_hands_its_dependents_to_a_corrected_one(board: Board) -> None:
    created = await board.runs.create([spec("build", cap="fail"), spec("deploy", "build")])
    await board.tasks.ensure_groups(["fail", "noop"])
    [build] = await board.tasks.claim("p1", ["fail"], 5, 0)
    await board.runs.add_tasks(
        created.run_id,
        [spec("diagnose"), spec("build-2", "diagnose")],
        parent=build,
        takeover="build-2",
    )
    [s] = await board.tasks.settle("p1", [Failure(build, "No module named 'requests'", retryable=True)])
    assert s.detail == "failed"  # not retried: a corrected task carries on
    st = await states(board, created.run_id)
    assert (st["build"], st["deploy"]) == (TaskState.SUPERSEDED, TaskState.BLOCKED)
    assert await drive(board, created.run_id, ["noop"]) == ["diagnose", "build-2", "deploy"]
    run = await board.runs.get(created.run_id)
    assert (run.status, run.superseded, run.failed) == (RunStatus.SUCCEEDED, 1, 0)
    kinds = [e.kind for e in await board.events.history(created.run_id)]
    assert "task.superseded" in kinds and "task.failed" not in kinds


async def test_when_the_corrected_task_fails_too_the_run_fails(board: Board) -> None:
    created = await board.runs.create([spec("build", cap="fail"), spec("deploy", "build")])
    await board.tasks.ensure_groups(["fail"])
    [build] = await board.tasks.claim("p1", ["fail"], 5, 0)
    await board.runs.add_tasks(
        created.run_id, [spec("build-2", cap="fail")], parent=build, takeover="build-2"
    )
    await board.tasks.settle("p1", [Failure(build, "boom")])
    [retry] = await board.tasks.claim("p1", ["fail"], 5, 0)
    await board.tasks.settle("p1", [Failure(retry, "boom again")])
    run = await board.runs.get(created.run_id)
    assert (run.status, run.superseded, run.failed, run.skipped) == (RunStatus.FAILED, 1, 1, 1)
