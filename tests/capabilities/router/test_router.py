"""The router as a real process in front of real app processes, with real HTTP traffic."""

from __future__ import annotations

from collections import Counter
from typing import Any

import anyio
import httpx
import pytest

from capabilities.router import RouterClient, RouterError, VersionRoute, launch_router, terminate
from tests.support.load import Load
from tests.support.wait import eventually

from .conftest import Apps, free_port

pytestmark = pytest.mark.anyio


async def test_stats_are_right_under_known_traffic(apps: Apps, router_factory: Any) -> None:
    v1 = await apps.start("v1")
    v2 = await apps.start("v2", error_rate=0.25, delay_ms=60)
    async with router_factory() as (url, admin, _):
        await admin.apply(
            [
                VersionRoute(version="v1", weight=1, upstreams=(v1,)),
                VersionRoute(version="v2", weight=1, upstreams=(v2,)),
            ],
            stable="v1",
        )
        seen: Counter[tuple[str, int]] = Counter()
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            for _ in range(200):
                response = await http.get("/work")
                seen[(response.headers["x-orchestra-version"], response.status_code)] += 1
        # smooth weighted round-robin: exactly half each; the app fails exactly every 4th request
        assert seen == {("v1", 200): 100, ("v2", 200): 75, ("v2", 500): 25}

        stats = await admin.stats(window_s=60)
        one, two = stats["versions"]["v1"], stats["versions"]["v2"]
        assert one["requests"] == 100 and one["status"] == {"200": 100} and one["error_rate"] == 0
        assert two["requests"] == 100 and two["status"] == {"200": 75, "500": 25}
        assert two["errors_5xx"] == 25 and two["error_rate"] == 25.0 and two["proxy_errors"] == 0
        assert two["p50_ms"] >= 60 and two["p95_ms"] >= 60, two
        assert one["p95_ms"] < two["p50_ms"], (one, two)
        assert two["total"]["requests"] == 100

        # a sliding window: the same requests fall out of a short window, the totals stay
        async def window_empty() -> bool:
            recent = (await admin.stats(window_s=0.2))["versions"]["v1"]
            return recent["requests"] == 0 and recent["total"]["requests"] == 100

        await eventually(window_empty, timeout=5, what="requests leave a 0.2 s window")


async def test_switching_weights_and_upstreams_fails_no_request(apps: Apps, router_factory: Any) -> None:
    blue = await apps.start("blue")
    green = await apps.start("green")
    async with router_factory() as (url, admin, _):
        await admin.apply([VersionRoute(version="blue", weight=100, upstreams=(blue,))], stable="blue")
        async with Load(url, rate=300, concurrency=8, max_seconds=30) as load:
            await eventually(lambda: load.count() > 100, timeout=10, what="traffic on blue")
            for weights in ((90, 10), (50, 50), (0, 100)):
                await admin.apply(
                    [
                        VersionRoute(version="blue", weight=weights[0], upstreams=(blue,)),
                        VersionRoute(version="green", weight=weights[1], upstreams=(green,)),
                    ],
                    stable="blue",
                )
                mark = load.count()
                await eventually(lambda m=mark: load.count() > m + 60, timeout=10, what="traffic on the step")
            # green takes everything: blue leaves the table, drains, and its process stops
            table = await admin.apply(
                [VersionRoute(version="green", weight=100, upstreams=(green,))], "green"
            )
            switched = anyio.current_time()
            await eventually(lambda: _no_inflight(admin, blue), timeout=10, what="blue drained")
            apps.stop(blue)
            mark = load.count()
            await eventually(lambda: load.count() > mark + 150, timeout=10, what="traffic after the switch")
        assert table.generation == 5
        assert load.failed == 0, load.failures()[:5]
        late = [s for s in load.samples if s.at > switched + 0.05]
        assert late and {s.version for s in late} == {"green"}
        assert {s.status for s in load.samples} == {200}


async def _no_inflight(admin: Any, address: str) -> bool:
    return address not in (await admin.stats(window_s=1))["inflight"]


async def test_a_removed_upstream_finishes_its_requests_in_flight(apps: Apps, router_factory: Any) -> None:
    slow = await apps.start("slow", delay_ms=700)
    fast = await apps.start("fast")
    async with router_factory() as (url, admin, _):
        await admin.apply([VersionRoute(version="slow", weight=1, upstreams=(slow,))], stable="slow")
        answers: list[httpx.Response] = []

        async def call() -> None:
            async with httpx.AsyncClient(base_url=url, timeout=10) as http:
                answers.append(await http.get("/"))

        async with anyio.create_task_group() as tg:
            for _ in range(4):
                tg.start_soon(call)
            await eventually(
                lambda: _inflight(admin, slow, 4), timeout=5, what="4 requests in flight on slow"
            )
            await admin.apply([VersionRoute(version="fast", weight=1, upstreams=(fast,))], stable="fast")
            assert (await admin.stats(window_s=1))["inflight"].get(slow) == 4  # still draining
        assert [(a.status_code, a.headers["x-orchestra-version"]) for a in answers] == [(200, "slow")] * 4
        assert await _no_inflight(admin, slow)
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            assert (await http.get("/")).headers["x-orchestra-version"] == "fast"


async def _inflight(admin: Any, address: str, n: int) -> bool:
    return (await admin.stats(window_s=1))["inflight"].get(address) == n


async def test_a_refused_connection_is_retried_on_the_stable_version(apps: Apps, router_factory: Any) -> None:
    stable = await apps.start("v1")
    gone = f"127.0.0.1:{free_port()}"  # nothing listens there
    async with router_factory() as (url, admin, _):
        await admin.apply(
            [
                VersionRoute(version="v1", weight=0, upstreams=(stable,)),
                VersionRoute(version="v2", weight=1, upstreams=(gone,)),
            ],
            stable="v1",
        )
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            answers = [await http.get("/") for _ in range(20)]
        assert {(a.status_code, a.headers["x-orchestra-version"]) for a in answers} == {(200, "v1")}
        stats = await admin.stats(window_s=60)
        assert stats["versions"]["v2"]["total"]["retries"] == 20
        assert stats["versions"]["v1"]["requests"] == 20

        # no stable version to fall back on: the router answers 502 itself, marked as its own
        await admin.apply([VersionRoute(version="v2", weight=1, upstreams=(gone,))], stable=None)
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            answer = await http.get("/")
        assert answer.status_code == 502 and answer.headers["x-orchestra-error"] == "1"
        assert (await admin.stats(window_s=60))["versions"]["v2"]["proxy_errors"] == 1


async def test_a_table_that_routes_to_nowhere_is_refused(router_factory: Any) -> None:
    async with router_factory() as (url, admin, state):
        with pytest.raises(ValueError, match="no upstream"):  # refused before it is sent
            await admin.apply([VersionRoute(version="v1", weight=100, upstreams=())], stable=None)
        bad = {"routes": [{"version": "v1", "weight": 100, "upstreams": []}]}
        async with httpx.AsyncClient(base_url=f"http://{state['admin']}", timeout=5) as http:
            refused = await http.put("/routes", json=bad)  # and by the router itself
        assert refused.status_code == 400 and "no upstream" in refused.text
        assert (await admin.table()).generation == 0
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            answer = await http.get("/")
        assert answer.status_code == 503 and "x-orchestra-error" in answer.headers


async def test_a_restarted_router_restores_its_table(apps: Apps, tmp_path: Any) -> None:
    v1 = await apps.start("v1")
    state_file, log = tmp_path / "r.json", tmp_path / "r.log"
    first = await launch_router("127.0.0.1:0", state_file, log, "test/restore")
    try:
        await RouterClient(first["admin"]).apply(
            [VersionRoute(version="v1", weight=1, upstreams=(v1,))], "v1"
        )
    finally:
        await terminate(first["pid"], first["created"])
    again = await launch_router(first["listen"], state_file, log, "test/restore")
    try:
        assert again["listen"] == first["listen"]
        async with httpx.AsyncClient(base_url=f"http://{again['listen']}", timeout=5) as http:
            answer = await http.get("/")
        assert answer.status_code == 200 and answer.headers["x-orchestra-version"] == "v1"
    finally:
        await terminate(again["pid"], again["created"])


async def test_a_taken_listen_port_is_a_clear_error(tmp_path: Any) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RouterError, match=f"could not listen on 127.0.0.1:{port}"):
            await launch_router(f"127.0.0.1:{port}", tmp_path / "t.json", tmp_path / "t.log", "test/taken")
