"""The trigger spans of the real entry points, as processes with OTEL_* pointing at a receiver:
the gateway (a signed pull_request webhook) and ``orchestra run`` (the whole pipeline in one
process, so the tree from the trigger to the tool runs is visible)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from blackboard import BoardSettings, connect
from peers.telemetry import TRACER, parse
from tests.support.otlp import OtlpReceiver
from tests.support.redis_server import free_port
from tests.support.wait import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
WEBHOOK_SECRET = "webhook-secret-never-in-a-span"  # pragma: allowlist secret
TOKEN = "ghp_" + "Cl0neT0ken" * 4  # pragma: allowlist secret


@pytest.fixture
def otlp() -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as receiver:
        yield receiver


def traced_env(otlp: OtlpReceiver, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.url,
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        **extra,
    }


def start(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with open(log_path, "wb") as log:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def pull_request(sha: str) -> dict[str, object]:
    clone = f"https://x-access-token:{TOKEN}@github.com/acme/shop.git"
    return {
        "action": "opened",
        "number": 12,
        "pull_request": {
            "number": 12,
            "head": {"ref": "feature", "sha": sha, "repo": {"clone_url": clone}},
            "base": {"ref": "main", "repo": {"full_name": "acme/shop"}},
        },
        "repository": {"full_name": "acme/shop", "name": "shop"},
        "sender": {"login": "alice"},
    }


@pytest.mark.timeout(60)
async def test_the_gateway_roots_the_trace_of_the_run_a_webhook_starts(
    redis_settings: BoardSettings, otlp: OtlpReceiver, tmp_path: Path
) -> None:
    assert redis_settings.redis_url
    port = free_port()
    log_path = tmp_path / "gateway.log"
    args = [sys.executable, "-m", "peers", "--redis-url", redis_settings.redis_url,
            "--namespace", redis_settings.namespace, "gateway", "--port", str(port)]  # fmt: skip
    env = traced_env(otlp, ORCHESTRA_WEBHOOK_SECRET=WEBHOOK_SECRET, OTEL_SERVICE_NAME="gateway-test")
    proc = start(args, env, log_path)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:

            async def up() -> bool:
                assert proc.poll() is None, log_path.read_text()
                try:
                    return (await client.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(up, timeout=30, what="the gateway answers")
            body = json.dumps(pull_request("ab" * 20)).encode()
            delivery = str(uuid.uuid4())
            answer = await client.post(
                "/webhooks/github",
                content=body,
                headers={
                    "X-GitHub-Event": "pull_request",
                    "X-GitHub-Delivery": delivery,
                    "X-Hub-Signature-256": "sha256="
                    + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest(),
                    "Content-Type": "application/json",
                },
            )
            assert answer.status_code == 202, answer.text
            run_id = answer.json()["run"]
        async with connect(redis_settings) as board:
            run = await board.runs.get(run_id)
            (plan,) = await board.runs.tasks(run_id)
        remote = parse(run.traceparent)
        assert remote is not None and plan.traceparent == run.traceparent
        await eventually(
            lambda: any(s.scope == TRACER for s in otlp.spans()), timeout=20, what="the trigger span exported"
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0, log_path.read_text()
    ours = [s for s in otlp.spans() if s.scope == TRACER]
    (span,) = ours
    assert span.name == "trigger gateway" and span.parent_span_id == ""
    assert span.trace_id == f"{remote.trace_id:032x}" and span.span_id == f"{remote.span_id:016x}"
    assert span.attributes["orchestra.run.id"] == run_id
    assert span.attributes["orchestra.run.duplicate"] is False
    assert span.attributes["orchestra.trigger.event"] == "pull_request"
    assert span.attributes["orchestra.pr"] == 12 and span.attributes["orchestra.repo"] == "acme/shop"
    assert span.attributes["orchestra.delivery"] == delivery
    assert span.resource["service.name"] == "gateway-test"
    assert span.resource["orchestra.component"] == "gateway"
    # FastAPI makes a span of the request when a provider is installed: the trigger links to it
    # (the run's trace starts at the trigger; the request's trace points to it)
    for request in [s for s in otlp.spans() if s.name == "POST /webhooks/github"]:
        in_request = {s.span_id for s in otlp.spans() if s.trace_id == request.trace_id}
        assert len(span.links) == 1 and span.links[0][0] == request.trace_id
        assert span.links[0][1] in in_request and request.trace_id != span.trace_id
    for s in otlp.spans():
        for text in s.strings():
            assert WEBHOOK_SECRET not in text and TOKEN not in text
    assert TOKEN not in log_path.read_text()


@pytest.mark.timeout(120)
def test_orchestra_run_is_one_tree_from_the_trigger_to_the_tools(otlp: OtlpReceiver, tmp_path: Path) -> None:
    repo = tmp_path / "tiny"
    repo.mkdir()
    (repo / "app.py").write_text("def add(a, b):\n    return a + b\n")
    (repo / "requirements.txt").write_text("requests\n")
    args = [sys.executable, "-m", "peers", "run", str(repo), "--exit", "--only", "analyze"]
    done = subprocess.run(args, cwd=ROOT, env=traced_env(otlp), capture_output=True, text=True, timeout=100)
    assert done.returncode == 0, done.stdout + done.stderr
    # the process exported what it had before it exited
    spans = {s.name: s for s in otlp.spans()}
    assert set(spans) >= {"trigger cli", "task plan", "task analyze", "task report", "tool ruff"}, spans
    assert len({s.trace_id for s in otlp.spans()}) == 1
    trig, plan, analyze, report, ruff = (
        spans[n] for n in ("trigger cli", "task plan", "task analyze", "task report", "tool ruff")
    )
    assert trig.parent_span_id == ""
    assert plan.parent_span_id == trig.span_id
    # the plan adds the pipeline's tasks: they are children of the plan's attempt
    assert analyze.parent_span_id == plan.span_id and report.parent_span_id == plan.span_id
    assert ruff.parent_span_id == analyze.span_id
    assert ruff.attributes["process.exit.code"] == 0
    assert trig.resource["orchestra.component"] == "run"
