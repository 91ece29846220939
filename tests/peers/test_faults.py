"""Fault injection with real peer processes on a real redis-server (lease 1 s).

(a) kill -9 a peer mid-task; (b) SIGSTOP a peer past its lease, then SIGCONT; (c) restart
redis-server (AOF on) mid-run; (d) a 200-task DAG while peers are killed and restarted;
(e) SIGTERM hands unfinished work over at once.
"""

from __future__ import annotations

import random
import signal
import time
from collections import Counter
from pathlib import Path

import anyio
import pytest

from blackboard import Board, BoardSettings, RunStatus, TaskSpec, TaskState, connect
from blackboard.keys import task_id
from tests.support.peers import PeerProcess
from tests.support.redis_server import RedisServer
from tests.support.wait import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

LEASE_MS = 1000


def peers(settings: BoardSettings, tmp_path: Path, names: list[str], **kw: object) -> list[PeerProcess]:
    assert settings.redis_url
    procs = [
        PeerProcess(settings.redis_url, settings.namespace, n, tmp_path, lease_ms=LEASE_MS, **kw)
        for n in names
    ]  # type: ignore[arg-type]
    for p in procs:
        p.start(wait=False)
    for p in procs:
        p.wait_alive()
    return procs


async def owner_of(board: Board, tid: str, attempt: int) -> str:
    task = await board.runs.task(tid)
    return task.owner if task.state is TaskState.RUNNING and task.attempt == attempt else ""


@pytest.mark.timeout(90)
async def test_a_killed_peers_task_is_finished_by_another_within_the_lease(
    redis_settings: BoardSettings, tmp_path: Path
) -> None:
    procs = {p.name: p for p in peers(redis_settings, tmp_path, ["a1", "a2"], capabilities="sleep")}
    try:
        async with connect(redis_settings) as board:
            created = await board.runs.create(
                [TaskSpec(id="t", capability="sleep", inputs={"first_seconds": 60, "seconds": 0.05})]
            )
            tid = task_id(created.run_id, "t")
            victim = await eventually(
                lambda: owner_of(board, tid, 1), timeout=15, what="a peer runs the task"
            )
            killed_at_ms = time.time_ns() // 1_000_000
            procs[victim].kill()
            run = await board.runs.wait(created.run_id, timeout_s=15)
            task = await board.runs.task(tid)
            survivor = next(n for n in procs if n != victim)
            assert run.status is RunStatus.SUCCEEDED
            assert (task.attempt, task.result["data"]["peer"]) == (2, survivor)
            took_ms = task.finished_ms - killed_at_ms
            assert took_ms <= LEASE_MS + 1000, f"took {took_ms} ms to finish after the kill"
    finally:
        for p in procs.values():
            p.kill()


@pytest.mark.timeout(90)
async def test_a_frozen_peer_that_wakes_up_is_fenced_off(
    redis_settings: BoardSettings, tmp_path: Path
) -> None:
    procs = {p.name: p for p in peers(redis_settings, tmp_path, ["b1", "b2"], capabilities="sleep")}
    try:
        async with connect(redis_settings) as board:
            created = await board.runs.create(
                [TaskSpec(id="t", capability="sleep", inputs={"seconds": 1.5, "block_attempt": 1})]
            )
            tid = task_id(created.run_id, "t")
            frozen = await eventually(
                lambda: owner_of(board, tid, 1), timeout=15, what="a peer runs the task"
            )
            procs[frozen].send(signal.SIGSTOP)
            other = next(n for n in procs if n != frozen)
            run = await board.runs.wait(created.run_id, timeout_s=20)  # the other peer took over
            assert run.status is RunStatus.SUCCEEDED
            procs[frozen].send(signal.SIGCONT)

            async def fenced() -> list:  # type: ignore[type-arg]
                return [e for e in await board.events.history(created.run_id) if e.kind == "task.fenced"]

            [refusal] = await eventually(fenced, timeout=15, what="the woken peer tries to complete")
            assert refusal.data["peer"] == frozen
            task = await board.runs.task(tid)
            assert (task.owner, task.attempt, task.result["data"]["peer"]) == (other, 2, other)
            kinds = Counter(e.kind for e in await board.events.history(created.run_id))
            assert kinds["task.succeeded"] == 1
            assert "refused the outcome" in procs[frozen].log()
    finally:
        for p in procs.values():
            p.kill()  # SIGKILL ends a stopped process too


@pytest.mark.timeout(120)
async def test_a_run_survives_a_redis_restart(tmp_path: Path, namespace: str) -> None:
    server = RedisServer(tmp_path / "redis", appendonly=True)
    server.start()
    settings = BoardSettings(redis_url=server.url, namespace=namespace, lease_ms=LEASE_MS)
    procs = peers(settings, tmp_path, ["c1", "c2", "c3"], capabilities="sleep")
    try:
        specs = [
            TaskSpec(
                id=f"s{i}", capability="sleep", inputs={"seconds": 0.1}, needs=(f"s{i - 1}",) if i else ()
            )
            for i in range(20)
        ]
        specs += [TaskSpec(id=f"w{i}", capability="sleep", inputs={"seconds": 0.2}) for i in range(12)]
        async with connect(settings) as board:
            created = await board.runs.create(specs)

            async def progressed() -> bool:
                return (await board.runs.get(created.run_id)).succeeded >= 6

            await eventually(progressed, timeout=20, what="the run is under way")
            assert not (await board.runs.get(created.run_id)).finished
        server.stop()
        await anyio.sleep(2.0)  # the behaviour under test: an outage longer than the lease
        server.start()
        async with connect(settings) as board:
            run = await board.runs.wait(created.run_id, timeout_s=60)
            assert run.status is RunStatus.SUCCEEDED and run.succeeded == 32
            done = Counter(
                e.task for e in await board.events.history(created.run_id) if e.kind == "task.succeeded"
            )
            assert len(done) == 32 and set(done.values()) == {1}
            assert all(p.proc and p.proc.poll() is None for p in procs)  # nobody crashed
            logs = "".join(p.log() for p in procs)
            assert "unreachable" in logs and "reachable again" in logs
    finally:
        for p in procs:
            p.kill()
        server.kill()


@pytest.mark.timeout(240)
async def test_a_random_dag_completes_while_peers_are_killed(
    redis_settings: BoardSettings, tmp_path: Path
) -> None:
    rng = random.Random(2)
    specs = []
    for i in range(200):  # needs drawn from the few tasks before: a deep DAG that takes a while
        window = range(max(0, i - 6), i)
        needs = tuple(sorted({f"t{j}" for j in rng.sample(window, min(len(window), rng.randint(0, 3)))}))
        specs.append(
            TaskSpec(
                id=f"t{i}",
                capability="sleep",
                needs=needs,
                max_attempts=20,
                inputs={"seconds": rng.uniform(0.05, 0.4)},
            )
        )
    live = peers(redis_settings, tmp_path, ["d0-g0", "d1-g0", "d2-g0"], capabilities="sleep")
    generation = 0
    kills = 0
    try:
        async with connect(redis_settings) as board:
            created = await board.runs.create(specs)
            deadline = time.monotonic() + 200
            while not (await board.runs.get(created.run_id)).finished:
                assert time.monotonic() < deadline, "the run did not finish"
                try:
                    await board.runs.wait(created.run_id, timeout_s=2)  # a kill every ~2 s
                    break
                except TimeoutError:
                    pass
                slot = rng.randrange(len(live))
                live[slot].kill()
                kills += 1
                generation += 1
                live[slot] = PeerProcess(
                    redis_settings.redis_url or "",
                    redis_settings.namespace,
                    f"d{slot}-g{generation}",
                    tmp_path,
                    capabilities="sleep",
                    lease_ms=LEASE_MS,
                ).start(wait=False)
            run = await board.runs.get(created.run_id)
            assert run.status is RunStatus.SUCCEEDED and run.succeeded == 200, run
            events = await board.events.history(created.run_id)
            accepted = Counter(e.task for e in events if e.kind == "task.succeeded")
            assert len(accepted) == 200 and set(accepted.values()) == {1}  # each result accepted once
            tasks = await board.runs.tasks(created.run_id)
            assert all(t.state is TaskState.SUCCEEDED for t in tasks)
            assert all(t.result["data"]["attempt"] == t.attempt for t in tasks)  # from the last owner
            assert kills >= 3
    finally:
        for p in live:
            p.kill()


@pytest.mark.timeout(90)
async def test_sigterm_hands_unfinished_work_to_another_peer_at_once(
    redis_settings: BoardSettings, tmp_path: Path
) -> None:
    [first] = peers(redis_settings, tmp_path, ["e1"], capabilities="sleep", grace_s=0.5)
    second: PeerProcess | None = None
    try:
        async with connect(redis_settings) as board:
            created = await board.runs.create(
                [TaskSpec(id="t", capability="sleep", inputs={"peer_seconds": {"e1": 60}, "seconds": 0.05})]
            )
            tid = task_id(created.run_id, "t")
            await eventually(lambda: owner_of(board, tid, 1), timeout=15, what="e1 runs the task")
            first.send(signal.SIGTERM)
            assert first.proc is not None and first.proc.wait(20) == 0
            task = await board.runs.task(tid)
            assert (task.state, task.attempt) == (TaskState.PENDING, 0)  # released, not counted
            second = PeerProcess(
                redis_settings.redis_url or "", redis_settings.namespace, "e2", tmp_path, capabilities="sleep"
            ).start()
            run = await board.runs.wait(created.run_id, timeout_s=20)
            assert run.status is RunStatus.SUCCEEDED
            assert (await board.runs.task(tid)).result["data"]["peer"] == "e2"
            assert "released 1 unfinished task" in first.log()
    finally:
        first.kill()
        if second:
            second.kill()
