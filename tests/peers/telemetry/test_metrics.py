"""Peer /metrics: the counters of a real peer process after real work, and in-process the ones a
process cannot show after it is gone (released at shutdown)."""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from blackboard import Board, BoardSettings, RunStatus, TaskSpec, TaskState, connect
from peers import Peer, PeerSettings
from peers.runtime import package_version
from peers.telemetry import MetricsServer, PeerMetrics, TelemetryError
from tests.support.capabilities import Noop, Sleep
from tests.support.peers import PeerProcess
from tests.support.redis_server import free_port
from tests.support.wait import eventually

pytestmark = pytest.mark.anyio

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            labels = tuple(sorted(s.labels.items()))
            out[(s.name, labels)] = s.value
    return out


async def scrape(url: str) -> Samples:
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


@pytest.mark.slow
@pytest.mark.timeout(90)
async def test_a_peer_process_reports_its_work(redis_settings: BoardSettings, tmp_path: Path) -> None:
    assert redis_settings.redis_url
    url, ns = redis_settings.redis_url, redis_settings.namespace
    doomed = PeerProcess(url, ns, "doomed", tmp_path, capabilities="sleep").start()
    port = free_port()
    survivor = PeerProcess(url, ns, "survivor", tmp_path, capabilities="noop,fail,sleep")
    survivor.args += ["--metrics-port", str(port)]
    metrics_url = f"http://127.0.0.1:{port}/metrics"
    try:
        async with connect(redis_settings) as board:
            # a task the first peer dies holding: the survivor takes it over after the lease
            long = await board.runs.create(
                [
                    TaskSpec(
                        id="long",
                        capability="sleep",
                        inputs={"seconds": 60, "peer_seconds": {"survivor": 0.8}},
                    )
                ]
            )
            tid = f"{long.run_id}.long"

            async def held_by_doomed() -> bool:
                task = await board.runs.task(tid)
                return task.state is TaskState.RUNNING and task.owner == "doomed"

            await eventually(held_by_doomed, timeout=20, what="the doomed peer holds the task")
            doomed.kill()
            survivor.start()
            work = await board.runs.create(
                [TaskSpec(id=f"n{i}", capability="noop") for i in range(5)]
                + [
                    TaskSpec(
                        id="broken",
                        capability="fail",
                        inputs={"message": "tests/test_x.py:3: boom"},
                        max_attempts=1,
                    )
                ]
            )
            for run_id in (long.run_id, work.run_id):
                await board.runs.wait(run_id, timeout_s=30)
            assert (await board.runs.get(long.run_id)).status is RunStatus.SUCCEEDED

            async def settled() -> Samples | None:
                got = await scrape(metrics_url)
                ok = got[("orchestra_peer_tasks_completed_total", (("outcome", "succeeded"),))] == 6
                return got if ok else None

            got: Samples = await eventually(settled, timeout=20, what="every outcome counted")
    finally:
        doomed.kill()
        if survivor.proc is not None:
            assert survivor.terminate() == 0, survivor.log()

    assert got[("orchestra_peer_tasks_claimed_total", ())] == 7
    assert got[("orchestra_peer_info", (("peer", "survivor"), ("version", package_version())))] == 1
    assert got[("orchestra_peer_tasks_reassigned_total", ())] == 1
    assert got[("orchestra_peer_tasks_completed_total", (("outcome", "failed"),))] == 1
    assert got[("orchestra_peer_tasks_completed_total", (("outcome", "retried"),))] == 0
    assert got[("orchestra_peer_tasks_released_total", ())] == 0
    assert got[("orchestra_peer_lease_renewals_total", ())] >= 1  # the 0.8 s task outlived a third of 1 s
    assert got[("orchestra_peer_tasks_inflight", ())] == 0
    count = "orchestra_peer_task_duration_seconds_count"
    assert got[(count, (("capability", "noop"), ("outcome", "succeeded")))] == 5
    assert got[(count, (("capability", "fail"), ("outcome", "failed")))] == 1
    assert got[(count, (("capability", "sleep"), ("outcome", "succeeded")))] == 1
    slept = got[
        ("orchestra_peer_task_duration_seconds_sum", (("capability", "sleep"), ("outcome", "succeeded")))
    ]
    assert 0.75 <= slept < 10  # the event loop may wake a timer a hair early


async def test_released_tasks_and_their_durations_are_counted(board: Board) -> None:
    metrics = PeerMetrics()
    peer = Peer(
        board,
        PeerSettings(board=board.settings, capabilities=("sleep", "noop"), block_ms=100, grace_s=0.1),
        [Sleep(), Noop()],
        metrics=metrics,
    )
    with MetricsServer(metrics.registry, "127.0.0.1", 0) as server:
        async with anyio.create_task_group() as tg:
            tg.start_soon(peer.run)
            await peer.wait_ready()
            done = await board.runs.create([TaskSpec(id="quick", capability="noop")])
            await board.runs.wait(done.run_id, timeout_s=10)
            created = await board.runs.create(
                [TaskSpec(id="slow", capability="sleep", inputs={"seconds": 30})]
            )

            async def running() -> bool:
                return (await board.runs.task(f"{created.run_id}.slow")).state is TaskState.RUNNING

            await eventually(running, what="the slow task runs")
            await eventually(lambda: peer.inflight.running == 1, what="the handler started")
            inflight = await scrape(f"http://127.0.0.1:{server.port}/metrics")
            assert inflight[("orchestra_peer_tasks_inflight", ())] == 1
            peer.stop()  # the grace is shorter than the task: it is released
        got = await scrape(f"http://127.0.0.1:{server.port}/metrics")
    assert got[("orchestra_peer_tasks_released_total", ())] == 1
    assert got[("orchestra_peer_tasks_claimed_total", ())] == 2
    count = "orchestra_peer_task_duration_seconds_count"
    assert got[(count, (("capability", "sleep"), ("outcome", "released")))] == 1
    assert got[(count, (("capability", "noop"), ("outcome", "succeeded")))] == 1
    assert (await board.runs.task(f"{created.run_id}.slow")).state is TaskState.PENDING


def test_a_busy_port_is_a_clear_error() -> None:
    metrics = PeerMetrics()
    with MetricsServer(metrics.registry, "127.0.0.1", 0) as server:
        with pytest.raises(TelemetryError, match=f"cannot serve metrics on 127.0.0.1:{server.port}"):
            MetricsServer(metrics.registry, "127.0.0.1", server.port).start()
