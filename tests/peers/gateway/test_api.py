"""The run and artifact API of a real gateway (uvicorn on a free port) over a real board."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from blackboard import BoardSettings, Heartbeat, PeerInfo, RunStatus, TaskSpec, TaskState, connect
from peers.errors import PeerError
from peers.gateway import GatewaySettings, create_app
from peers.webhook import send
from tests.support.gateway import SECRET, TOKEN, Gateway, post, running_gateway
from tests.support.peers import ROOT
from tests.support.redis_server import RedisServer, free_port
from tests.support.wait import eventually_sync

from .test_webhooks import push_payload

pytestmark = pytest.mark.anyio

AUTH = {"Authorization": f"Bearer {TOKEN}"}
PLAN = [
    TaskSpec(id="build", capability="build", inputs={"image": "shop"}),
    TaskSpec(id="deploy", capability="deploy", needs=("build",), approval=True),
]


async def create_run(gw: Gateway, specs: list[TaskSpec] = PLAN) -> str:
    return (await gw.board.runs.create(specs)).run_id


async def test_runs_are_listed_newest_first_and_read_with_their_dag(redis_settings: BoardSettings) -> None:
    async with running_gateway(redis_settings) as gw:
        first = await create_run(gw)
        second = await create_run(gw)
        listed = await gw.client.get("/api/runs", params={"limit": 10})
        assert listed.status_code == 200
        assert [r["id"] for r in listed.json()] == [second, first]
        assert listed.json()[0]["status"] == "running" and listed.json()[0]["total"] == 2

        response = await gw.client.get(f"/api/runs/{first}")
        assert response.status_code == 200
        run = response.json()
        assert (run["id"], run["status"], run["remaining"]) == (first, "running", 2)
        assert run["meta"]["trigger"] == "api"
        tasks = {t["spec"]: t for t in run["tasks"]}
        assert tasks["build"]["state"] == "pending" and tasks["build"]["needs"] == []
        assert tasks["build"]["capability"] == "build" and tasks["build"]["id"] == f"{first}.build"
        assert tasks["deploy"]["state"] == "blocked" and tasks["deploy"]["needs"] == ["build"]
        assert tasks["deploy"]["approval"] is True
        assert tasks["build"]["duration_ms"] is None and tasks["build"]["error"] is None

        events = await gw.client.get(f"/api/runs/{first}/events")
        assert events.status_code == 200
        kinds = [e["kind"] for e in events.json()]
        assert kinds[0] == "run.created"
        assert all(e["ts_ms"] > 0 for e in events.json())


async def test_unknown_runs_and_artifacts_are_404_with_a_detail(redis_settings: BoardSettings) -> None:
    async with running_gateway(redis_settings) as gw:
        run_id = await create_run(gw)
        for path in (
            "/api/runs/no-such-run",
            "/api/runs/no-such-run/events",
            "/api/runs/no-such-run/artifacts",
            f"/api/runs/{run_id}/artifacts/missing.txt",
        ):
            response = await gw.client.get(path)
            assert response.status_code == 404, path
            assert response.json()["detail"], path


async def test_artifacts_are_listed_and_downloaded_with_their_content_type(
    redis_settings: BoardSettings,
) -> None:
    async with running_gateway(redis_settings) as gw:
        run_id = await create_run(gw)
        dockerfile = b'FROM python:3.12-slim\nCMD ["python", "-m", "app"]\n'
        await gw.board.artifacts.put(run_id, "build/Dockerfile", dockerfile, content_type="text/x-dockerfile")
        await gw.board.artifacts.put(run_id, "report.json", b'{"ok": true}', content_type="application/json")

        listed = await gw.client.get(f"/api/runs/{run_id}/artifacts")
        assert listed.status_code == 200
        names = {a["name"]: a for a in listed.json()}
        assert set(names) == {"build/Dockerfile", "report.json"}
        assert names["build/Dockerfile"]["size"] == len(dockerfile)
        assert names["build/Dockerfile"]["url"] == f"/api/runs/{run_id}/artifacts/build/Dockerfile"

        response = await gw.client.get(names["build/Dockerfile"]["url"])
        assert response.status_code == 200
        assert response.content == dockerfile
        assert response.headers["content-type"].startswith("text/x-dockerfile")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["etag"] == f'"{names["build/Dockerfile"]["sha256"]}"'
        report = await gw.client.get(f"/api/runs/{run_id}/artifacts/report.json")
        assert report.headers["content-type"] == "application/json" and report.json() == {"ok": True}


async def test_peers_are_listed_with_their_liveness(redis_settings: BoardSettings) -> None:
    async with running_gateway(redis_settings) as gw:
        info = PeerInfo(
            id="peer-a", host="h1", pid=os.getpid(), version="0.1.0", capabilities=["build", "scan"]
        )
        await gw.board.peers.beat(info, Heartbeat(ts_ms=time.time_ns() // 1_000_000, inflight=1))
        response = await gw.client.get("/api/peers")
        assert response.status_code == 200
        [peer] = response.json()
        assert (peer["id"], peer["alive"], peer["capabilities"]) == ("peer-a", True, ["build", "scan"])
        assert peer["heartbeat"]["inflight"] == 1


async def test_health_and_readiness(redis_settings: BoardSettings) -> None:
    async with running_gateway(redis_settings) as gw:
        assert (await gw.client.get("/healthz")).json() == {"ok": True, "detail": None}
        ready = await gw.client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["ok"] is True


async def test_not_ready_when_the_board_does_not_answer(tmp_path: Any, namespace: str) -> None:
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    try:
        settings = BoardSettings(redis_url=redis.url, namespace=namespace)
        async with running_gateway(settings) as gw:
            assert (await gw.client.get("/readyz")).status_code == 200
            redis.stop()
            ready = await gw.client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["ok"] is False and ready.json()["detail"].startswith("board:")
            assert (await gw.client.get("/healthz")).status_code == 200
            assert (await gw.client.get("/api/runs")).status_code == 503
            refused = await post(gw, "push", push_payload())
            assert refused.status_code == 503 and "redeliver" in refused.json()["detail"]
    finally:
        redis.stop()


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus' text format."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        if key == (f"{name}{{{wanted}}}" if labels else name):
            return float(value)
    return None


async def test_metrics_count_webhooks_runs_requests_and_read_the_queues(
    redis_settings: BoardSettings,
) -> None:
    async with running_gateway(redis_settings) as gw:
        assert (await post(gw, "push", push_payload(), delivery="m-1")).status_code == 202
        assert (await post(gw, "push", push_payload(), delivery="m-1")).status_code == 200
        assert (await post(gw, "push", push_payload(), secret="wrong")).status_code == 401
        await create_run(gw)
        await gw.board.peers.beat(
            PeerInfo(id="p", host="h", pid=1, version="0", capabilities=["build"]),
            Heartbeat(ts_ms=time.time_ns() // 1_000_000),
        )

        response = await gw.client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        text = response.text
        webhooks = "orchestra_gateway_webhooks_total"
        assert sample(text, webhooks, event="push", outcome="accepted") == 1
        assert sample(text, webhooks, event="push", outcome="duplicate") == 1
        assert sample(text, webhooks, event="-", outcome="bad_signature") == 1
        assert sample(text, "orchestra_gateway_runs_created_total", event="push") == 1
        assert sample(text, "orchestra_tasks_queued", capability="plan") == 1
        assert sample(text, "orchestra_tasks_queued", capability="build") == 1
        assert sample(text, "orchestra_tasks_running", capability="build") == 0
        assert sample(text, "orchestra_peers_live") == 1
        assert sample(text, "orchestra_gateway_board_up") == 1
        latency = "orchestra_gateway_request_duration_seconds_count"
        assert sample(text, latency, method="POST", route="/webhooks/github") == 3
        assert sample(text, latency, method="GET", route="/healthz")
        requests = "orchestra_gateway_requests_total"
        assert sample(text, requests, method="POST", route="/webhooks/github", status="401") == 1

        await gw.client.get("/no/such/path")
        after = (await gw.client.get("/metrics")).text
        assert sample(after, requests, method="GET", route="<unmatched>", status="404") == 1


async def test_each_app_has_its_own_metrics_registry(redis_settings: BoardSettings) -> None:
    async with connect(redis_settings) as board:
        settings = GatewaySettings(board=redis_settings)
        one, two = create_app(board, settings), create_app(board, settings)
        assert one.state.metrics.registry is not two.state.metrics.registry
        one.state.metrics.webhooks.labels("push", "accepted").inc()
        assert sample(two.state.metrics.render().decode(), "orchestra_gateway_webhooks_total") is None


async def test_cancel_needs_the_token_and_cancels_the_run(redis_settings: BoardSettings) -> None:
    async with running_gateway(redis_settings) as gw:
        run_id = await create_run(gw)
        path = f"/api/runs/{run_id}/cancel"
        missing = await gw.client.post(path)
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        wrong = await gw.client.post(path, headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 401
        basic = await gw.client.post(path, headers={"Authorization": f"Basic {TOKEN}"})
        assert basic.status_code == 401
        assert (await gw.board.runs.get(run_id)).status is RunStatus.RUNNING

        done = await gw.client.post(path, headers=AUTH, json={"reason": "wrong branch"})
        assert done.status_code == 200, done.text
        assert done.json() == {"run": run_id, "cancelled": 2}
        run = await gw.board.runs.get(run_id)
        assert run.status is RunStatus.CANCELLED and run.reason == "wrong branch"

        again = await gw.client.post(path, headers=AUTH)
        assert again.status_code == 409 and "already" in again.json()["detail"]
        unknown = await gw.client.post("/api/runs/no-such-run/cancel", headers=AUTH)
        assert unknown.status_code == 404


async def test_cancel_without_a_body_uses_a_default_reason(redis_settings: BoardSettings) -> None:
    async with running_gateway(redis_settings) as gw:
        run_id = await create_run(gw)
        done = await gw.client.post(f"/api/runs/{run_id}/cancel", headers=AUTH)
        assert done.status_code == 200, done.text
        assert (await gw.board.runs.get(run_id)).reason == "cancelled through the API"


async def test_without_a_configured_token_the_write_api_is_off(redis_settings: BoardSettings) -> None:
    async with running_gateway(redis_settings, api_token=None) as gw:
        run_id = await create_run(gw)
        response = await gw.client.post(f"/api/runs/{run_id}/cancel", headers=AUTH)
        assert response.status_code == 503 and "ORCHESTRA_API_TOKEN" in response.json()["detail"]
        assert (await gw.board.runs.get(run_id)).status is RunStatus.RUNNING
        assert (await gw.client.get(f"/api/runs/{run_id}")).status_code == 200


async def test_approve_and_reject_a_waiting_task(redis_settings: BoardSettings) -> None:
    async with running_gateway(redis_settings) as gw:
        run_id = await create_run(
            gw,
            [
                TaskSpec(id="prod", capability="deploy", approval=True),
                TaskSpec(id="stage", capability="deploy", approval=True),
                TaskSpec(id="lint", capability="analyze"),
            ],
        )
        decision: dict[str, Any] = {"by": "alice", "reason": "release window"}
        base = f"/api/runs/{run_id}/tasks"
        unauthorized = await gw.client.post(f"{base}/prod/approve", json=decision)
        assert unauthorized.status_code == 401
        assert (await gw.board.runs.task(f"{run_id}.prod")).state is TaskState.WAITING

        approved = await gw.client.post(f"{base}/prod/approve", json=decision, headers=AUTH)
        assert approved.status_code == 200, approved.text
        assert approved.json() == {"task": f"{run_id}.prod", "decision": "approved"}
        prod = await gw.board.runs.task(f"{run_id}.prod")
        assert prod.state is TaskState.PENDING and prod.approved_by == "alice"

        rejected = await gw.client.post(f"{base}/stage/reject", json={"by": "bob"}, headers=AUTH)
        assert rejected.status_code == 200
        assert (await gw.board.runs.task(f"{run_id}.stage")).state is TaskState.FAILED

        not_waiting = await gw.client.post(f"{base}/lint/approve", json=decision, headers=AUTH)
        assert not_waiting.status_code == 409 and "not waiting" in not_waiting.json()["detail"]
        twice = await gw.client.post(f"{base}/prod/approve", json=decision, headers=AUTH)
        assert twice.status_code == 409
        unknown = await gw.client.post(f"{base}/nope/approve", json=decision, headers=AUTH)
        assert unknown.status_code == 404
        no_one = await gw.client.post(f"{base}/stage/approve", json={"by": ""}, headers=AUTH)
        assert no_one.status_code == 422


async def test_openapi_lists_the_routes_with_their_models(redis_settings: BoardSettings) -> None:
    async with running_gateway(redis_settings) as gw:
        spec = (await gw.client.get("/openapi.json")).json()
        assert {
            "/webhooks/github",
            "/api/runs",
            "/api/runs/{run_id}",
            "/api/runs/{run_id}/events",
            "/api/runs/{run_id}/artifacts",
            "/api/runs/{run_id}/artifacts/{name}",
            "/api/runs/{run_id}/cancel",
            "/api/runs/{run_id}/tasks/{spec_id}/approve",
            "/api/runs/{run_id}/tasks/{spec_id}/reject",
            "/api/peers",
            "/healthz",
            "/readyz",
            "/metrics",
        } <= set(spec["paths"])
        assert {"RunDetail", "TaskView", "Accepted", "PeerView", "DecisionRequest"} <= set(
            spec["components"]["schemas"]
        )
        assert "HTTPBearer" in spec["components"]["securitySchemes"]
        docs = await gw.client.get("/docs")
        assert docs.status_code == 200 and "swagger" in docs.text.lower()


SERVE = """
import logging, sys
import anyio
from blackboard import BoardSettings
from peers.gateway import GatewaySettings, serve
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")
anyio.run(serve, GatewaySettings.from_env(BoardSettings.from_env()))
"""


def test_serve_runs_until_sigterm_then_stops_cleanly(redis_settings: BoardSettings, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "REDIS_URL": str(redis_settings.redis_url),
        "ORCHESTRA_NAMESPACE": redis_settings.namespace,
        "ORCHESTRA_GATEWAY_PORT": str(port),
        "ORCHESTRA_WEBHOOK_SECRET": SECRET,
        "ORCHESTRA_API_TOKEN": TOKEN,
    }
    log_path = tmp_path / "gateway.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-c", SERVE], cwd=ROOT, env=env, stderr=log)
    try:
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            assert proc.poll() is None, log_path.read_text()
            try:
                return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        eventually_sync(up, timeout=20, what="the gateway process is ready")
        response = send(f"{base}/webhooks/github", "push", push_payload(), SECRET, delivery="proc-1")
        assert response.status_code == 202, response.text
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0, log_path.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    text = log_path.read_text()
    assert "SIGTERM: stopping" in text and "gateway stopped" in text
    assert "event=push delivery=proc-1 outcome=accepted run=" in text
    assert SECRET not in text and TOKEN not in text


def test_settings_read_the_environment_and_keep_the_secrets_out_of_repr() -> None:
    board = BoardSettings(redis_url="redis://localhost:6379/0")
    env = {
        "GITHUB_WEBHOOK_SECRET": "gh-secret",  # pragma: allowlist secret
        "ORCHESTRA_API_TOKEN": "tok",
        "ORCHESTRA_GATEWAY_PORT": "9000",
    }
    settings = GatewaySettings.from_env(board, env, host="0.0.0.0")
    assert (settings.webhook_secret, settings.api_token, settings.port, settings.host) == (
        "gh-secret",
        "tok",
        9000,
        "0.0.0.0",
    )
    assert settings.max_body_bytes == 25 * 1024 * 1024
    assert "gh-secret" not in repr(settings) and "api_token" not in repr(settings)
    preferred = GatewaySettings.from_env(board, {**env, "ORCHESTRA_WEBHOOK_SECRET": "mine"})
    assert preferred.webhook_secret == "mine"
    with pytest.raises(PeerError, match="ORCHESTRA_GATEWAY_PORT"):
        GatewaySettings.from_env(board, {"ORCHESTRA_GATEWAY_PORT": "http"})
