"""Claims, leases, fencing, retries, dead letters, release, approvals."""

from __future__ import annotations

from dataclasses import replace

import anyio
import pytest

from blackboard import (
    Board,
    Failure,
    InvalidState,
    NotFound,
    RunStatus,
    Success,
    TaskSpec,
    TaskState,
)
from blackboard.keys import GROUP, task_id
from tests.support.wait import eventually

pytestmark = pytest.mark.anyio


def spec(id: str, *needs: str, cap: str = "noop", **kw: object) -> TaskSpec:
    return TaskSpec(id=id, capability=cap, needs=needs, **kw)  # type: ignore[arg-type]


async def test_a_claim_grants_no_more_than_count_over_several_streams(board: Board) -> None:
    specs = [spec(f"n{i}") for i in range(5)] + [spec(f"e{i}", cap="echo") for i in range(5)]
    created = await board.runs.create(specs)
    await board.tasks.ensure_groups(["noop", "echo"])
    first = await board.tasks.claim("p1", ["noop", "echo"], count=3, block_ms=0)
    assert len(first) == 3
    seen = {c.spec for c in first}
    while claims := await board.tasks.claim("p1", ["noop", "echo"], count=3, block_ms=0):
        assert len(claims) <= 3
        seen |= {c.spec for c in claims}
    assert seen == {s.id for s in specs}  # entries read past the count were posted again, not lost
    tasks = await board.runs.tasks(created.run_id)
    assert all(t.state is TaskState.RUNNING and t.attempt == 1 for t in tasks)


async def test_claim_blocks_until_work_arrives(board: Board) -> None:
    await board.tasks.ensure_groups(["noop"])
    assert await board.tasks.claim("p1", ["noop"], 1, block_ms=50) == []
    created = await board.runs.create([spec("a")])
    [claim] = await board.tasks.claim("p1", ["noop"], 1, block_ms=2000)
    assert (claim.run_id, claim.spec, claim.token, claim.attempt) == (created.run_id, "a", 1, 1)


async def test_a_reassigned_task_fences_off_its_first_owner(board: Board) -> None:
    created = await board.runs.create([spec("a"), spec("b", "a")])
    await board.tasks.ensure_groups(["noop"])
    [old] = await board.tasks.claim("slow", ["noop"], 1, 0)
    part = board.keys.for_run(created.run_id)

    async def reap() -> list:  # type: ignore[type-arg]
        return (await board.tasks.reap("fast", part, "noop", "0-0", 10)).claims

    [new] = await eventually(reap, timeout=5, what="the lease expires and another peer takes over")
    assert (new.token, new.attempt) == (old.token + 1, 2)
    # the first owner wakes up: it cannot renew (no stealing back) nor complete
    assert await board.tasks.renew("slow", [old]) == {old.task_id}
    pending = await board.core.redis.xpending_range(part.stream("noop"), GROUP, "-", "+", 10)
    assert [p["consumer"] for p in pending] == ["fast"]
    [late] = await board.tasks.settle("slow", [Success(old, {"by": "slow"})])
    assert not late.accepted and "stale" in late.detail
    [ok] = await board.tasks.settle("fast", [Success(new, {"by": "fast"})])
    assert ok.accepted
    task = await board.runs.task(task_id(created.run_id, "a"))
    assert (task.result, task.owner) == ({"by": "fast"}, "fast")
    kinds = [e.kind for e in await board.events.history(created.run_id)]
    assert kinds.count("task.reassigned") == 1 and kinds.count("task.fenced") == 1
    assert kinds.count("task.succeeded") == 1


async def test_renewal_keeps_the_lease(board: Board) -> None:
    created = await board.runs.create([spec("a")])
    await board.tasks.ensure_groups(["noop"])
    [claim] = await board.tasks.claim("p1", ["noop"], 1, 0)
    part = board.keys.for_run(created.run_id)
    for _ in range(4):  # 4 x 400 ms > the 1 s lease, renewed every 400 ms
        reaped = await board.tasks.reap("p2", part, "noop", "0-0", 10)
        assert reaped.claims == []
        assert await board.tasks.renew("p1", [claim]) == set()
        await anyio.sleep(0.4)  # the behaviour under test: time passes while the lease is renewed
    [settled] = await board.tasks.settle("p1", [Success(claim, None)])
    assert settled.accepted


async def test_a_settle_repeated_after_a_lost_reply_is_idempotent(board: Board) -> None:
    created = await board.runs.create([spec("a"), spec("b", "a")])
    await board.tasks.ensure_groups(["noop"])
    [a] = await board.tasks.claim("p1", ["noop"], 1, 0)
    first = await board.tasks.settle("p1", [Success(a, 1)])
    again = await board.tasks.settle("p1", [Success(a, 1)])
    assert [s.detail for s in first + again] == ["ok", "duplicate"]
    [b] = await board.tasks.claim("p1", ["noop"], 10, 0)  # b was posted once, not twice
    assert b.spec == "b" and await board.tasks.claim("p1", ["noop"], 10, 0) == []
    assert (await board.runs.get(created.run_id)).remaining == 1


async def test_retryable_failures_come_back_after_a_backoff(board: Board) -> None:
    created = await board.runs.create(
        [spec("a", cap="fail", max_attempts=3, retry_backoff_ms=100), spec("b", "a")]
    )
    await board.tasks.ensure_groups(["fail", "noop"])
    part = board.keys.for_run(created.run_id)
    for attempt in (1, 2):
        [claim] = await board.tasks.claim("p1", ["fail"], 1, 0)
        assert claim.attempt == attempt
        [s] = await board.tasks.settle("p1", [Failure(claim, "flaky network", retryable=True)])
        assert s.detail == "retrying"
        task = await board.runs.task(claim.task_id)
        assert task.state is TaskState.PENDING and task.error == "flaky network"
        assert await board.tasks.claim("p1", ["fail"], 1, 0) == []  # not before the backoff
        await eventually(lambda: board.tasks.promote(part), timeout=5, what="the backoff elapses")
    [claim] = await board.tasks.claim("p1", ["fail"], 1, 0)
    [s] = await board.tasks.settle("p1", [Failure(claim, "still flaky", retryable=True)])
    assert s.detail == "failed"  # out of attempts
    run = await board.runs.get(created.run_id)
    assert (run.status, run.failed, run.skipped) == (RunStatus.FAILED, 1, 1)
    retrying = [e for e in await board.events.history(created.run_id) if e.kind == "task.retrying"]
    assert [e.data["delay_ms"] for e in retrying] == [100, 200]  # doubling backoff


async def test_a_failure_skips_everything_downstream_and_fails_the_run(board: Board) -> None:
    created = await board.runs.create([spec("a", cap="fail"), spec("b", "a"), spec("c", "b"), spec("side")])
    await board.tasks.ensure_groups(["fail", "noop"])
    [a] = await board.tasks.claim("p1", ["fail"], 1, 0)
    await board.tasks.settle("p1", [Failure(a, "Traceback...\nValueError: bad")])
    [side] = await board.tasks.claim("p1", ["noop"], 5, 0)
    assert side.spec == "side"  # independent branches go on
    await board.tasks.settle("p1", [Success(side, None)])
    tasks = {t.spec: t for t in await board.runs.tasks(created.run_id)}
    assert tasks["a"].state is TaskState.FAILED and "ValueError: bad" in tasks["a"].error
    assert tasks["b"].state is tasks["c"].state is TaskState.SKIPPED
    run = await board.runs.get(created.run_id)
    assert (run.status, run.succeeded, run.failed, run.skipped) == (RunStatus.FAILED, 1, 1, 2)
    failed = [e for e in await board.events.history(created.run_id) if e.kind == "task.failed"]
    assert failed[0].data["error"] == "ValueError: bad"


async def test_a_task_out_of_attempts_goes_to_the_dead_letters(board: Board) -> None:
    created = await board.runs.create([spec("a", max_attempts=2), spec("b", "a")])
    await board.tasks.ensure_groups(["noop"])
    part = board.keys.for_run(created.run_id)
    await board.tasks.claim("crashed-1", ["noop"], 1, 0)  # never renewed, never completed

    async def reap() -> list:  # type: ignore[type-arg]
        return (await board.tasks.reap("crashed-2", part, "noop", "0-0", 1)).claims

    [second] = await eventually(reap, timeout=5, what="first lease expires")
    assert second.attempt == 2

    async def dead() -> int:
        return (await board.tasks.reap("p3", part, "noop", "0-0", 1)).dead

    assert await eventually(dead, timeout=5, what="second lease expires") == 1
    [letter] = await board.tasks.dead()
    assert (letter.task, letter.attempts, letter.capability) == (task_id(created.run_id, "a"), 2, "noop")
    assert "crashed-2" in letter.error
    run = await board.runs.get(created.run_id)
    assert (run.status, run.failed, run.skipped) == (RunStatus.FAILED, 1, 1)


async def test_a_released_task_is_claimable_at_once_and_keeps_its_attempts(board: Board) -> None:
    await board.runs.create([spec("a")])
    await board.tasks.ensure_groups(["noop"])
    [claim] = await board.tasks.claim("leaving", ["noop"], 1, 0)
    assert await board.tasks.release("leaving", [claim]) == 1
    [again] = await board.tasks.claim("other", ["noop"], 1, 0)  # no lease to wait for
    assert (again.attempt, again.token) == (1, claim.token + 1)
    [late] = await board.tasks.settle("leaving", [Success(claim, None)])
    assert not late.accepted
    assert await board.tasks.release("leaving", [claim]) == 0  # not its task any more


async def test_approval_gates_a_task_until_a_human_decides(board: Board) -> None:
    created = await board.runs.create(
        [spec("build"), spec("deploy", "build", approval=True), spec("observe", "deploy")]
    )
    await board.tasks.ensure_groups(["noop"])
    [build] = await board.tasks.claim("p1", ["noop"], 5, 0)
    deploy_id = task_id(created.run_id, "deploy")
    with pytest.raises(InvalidState, match="not waiting"):
        await board.tasks.approve(deploy_id, "alice")  # still blocked on build
    await board.tasks.settle("p1", [Success(build, None)])
    assert (await board.runs.task(deploy_id)).state is TaskState.WAITING
    assert await board.tasks.claim("p1", ["noop"], 5, 0) == []
    await board.tasks.approve(deploy_id, "alice", "ship it")
    [deploy] = await board.tasks.claim("p1", ["noop"], 5, 0)
    assert deploy.spec == "deploy"
    assert (await board.runs.task(deploy_id)).approved_by == "alice"
    kinds = [e.kind for e in await board.events.history(created.run_id)]
    assert "approval.requested" in kinds and "approval.granted" in kinds
    with pytest.raises(NotFound):
        await board.tasks.approve(task_id(created.run_id, "nope"), "alice")


async def test_a_rejection_fails_the_task_and_skips_its_dependents(board: Board) -> None:
    created = await board.runs.create([spec("deploy", approval=True), spec("observe", "deploy")])
    deploy_id = task_id(created.run_id, "deploy")
    await board.tasks.reject(deploy_id, "bob", "not on a Friday")
    task = await board.runs.task(deploy_id)
    assert task.state is TaskState.FAILED and task.error == "rejected by bob: not on a Friday"
    run = await board.runs.get(created.run_id)
    assert (run.status, run.skipped) == (RunStatus.FAILED, 1)


async def test_a_result_that_is_not_json_fails_the_task(board: Board) -> None:
    created = await board.runs.create([spec("a")])
    await board.tasks.ensure_groups(["noop"])
    [claim] = await board.tasks.claim("p1", ["noop"], 1, 0)
    [s] = await board.tasks.settle("p1", [Success(claim, {"x": object()})])
    assert s.detail == "failed"
    task = await board.runs.task(claim.task_id)
    assert "not JSON" in task.error
    assert (await board.runs.get(created.run_id)).status is RunStatus.FAILED


async def test_entries_delivered_but_never_granted_are_granted_next_time(board: Board) -> None:
    await board.runs.create([spec("a"), spec("b")])
    await board.tasks.ensure_groups(["noop"])
    part = board.keys.partition(0)
    # a peer read both entries, then lost the reply of its claim script (or crashed in between)
    await board.core.redis.xreadgroup(GROUP, "p1", {part.stream("noop"): ">"})
    claims = await board.tasks.claim("p1", ["noop"], 10, 0)
    assert sorted(c.spec for c in claims) == ["a", "b"]
    assert await board.tasks.claim("p1", ["noop"], 10, 0) == []  # granted tasks are not granted twice


async def test_stats_count_queued_and_running(board: Board) -> None:
    await board.runs.create([spec("a"), spec("b"), spec("c", cap="echo")])
    await board.tasks.ensure_groups(["noop", "echo"])
    await board.tasks.claim("p1", ["noop"], 1, 0)
    stats = {s.capability: (s.queued, s.running) for s in await board.tasks.stats()}
    assert stats == {"echo": (1, 0), "noop": (1, 1)}


async def test_renewing_a_stale_token_does_not_steal_back(board: Board) -> None:
    await board.runs.create([spec("a")])
    await board.tasks.ensure_groups(["noop"])
    [claim] = await board.tasks.claim("p1", ["noop"], 1, 0)
    assert await board.tasks.renew("p1", [replace(claim, token=claim.token + 1)]) == {claim.task_id}
