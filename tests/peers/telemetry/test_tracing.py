"""One trace per run across processes: the trigger span in this process, task attempts in two
peer processes, tool runs under their task, all sent by OTLP/HTTP to a receiver in the test.

This module also holds the ``tool`` capability the peer processes load (``--load``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from blackboard import BoardSettings, Claim, RunMeta, RunStatus, TaskSpec, connect
from capabilities import Availability, Context, Result, TaskFailed
from capabilities.plan import Trigger
from capabilities.tools import run_tool, tool_label
from peers.telemetry import TelemetrySettings, build_provider, parse, trigger_span
from tests.support.otlp import OtlpReceiver, ReceivedSpan
from tests.support.peers import PeerProcess
from tests.support.wait import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

SECRET = "s3cr3t-value-that-never-reaches-a-span"  # pragma: allowlist secret
TOKEN = "ghp_" + "T0k3n" * 8  # pragma: allowlist secret


class Tool:
    """Runs ``git --version`` with a secret in its environment (the span must not show it)."""

    name = "tool"

    def available(self) -> Availability:
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        env = {str(k): str(v) for k, v in task.inputs.get("env", {}).items()}
        result = await run_tool(["git", "--version"], env=env, timeout_s=30)
        if not result.ok:
            raise TaskFailed(f"git --version failed: {result.tail()}")
        return Result(result.stdout.strip())


CAPABILITIES = [Tool()]


@pytest.fixture
def otlp() -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as receiver:
        yield receiver


@pytest.fixture
def traced_env(otlp: OtlpReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the peer processes inherit: OTLP to the receiver, a secret in their environment."""
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.url)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "orchestra-test")
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
    monkeypatch.setenv("ORCHESTRA_LOAD", __name__)
    monkeypatch.setenv("DEPLOY_API_TOKEN", SECRET)


def by_name(spans: list[ReceivedSpan], name: str) -> ReceivedSpan:
    found = [s for s in spans if s.name == name]
    assert len(found) == 1, f"{len(found)} spans named {name!r}: {[s.name for s in spans]}"
    return found[0]


@pytest.mark.timeout(90)
@pytest.mark.usefixtures("traced_env")
async def test_a_run_on_two_peer_processes_is_one_trace(
    redis_settings: BoardSettings, otlp: OtlpReceiver, tmp_path: Path
) -> None:
    assert redis_settings.redis_url
    a = PeerProcess(redis_settings.redis_url, redis_settings.namespace, "peer-a", tmp_path,
                    capabilities="echo,grow")  # fmt: skip
    b = PeerProcess(redis_settings.redis_url, redis_settings.namespace, "peer-b", tmp_path,
                    capabilities="noop,tool")  # fmt: skip
    for p in (a, b):
        p.start(wait=False)
    try:
        for p in (a, b):
            p.wait_alive()
        # this process is the trigger (as the CLI or the gateway would be), with its own provider
        provider = build_provider(
            TelemetrySettings(exporters=("otlp",), endpoint=otlp.url + "/v1/traces", service_name="trigger"),
            component="test",
        )
        assert provider is not None
        trigger = Trigger(
            event="pull_request",
            source="cli",
            repo=f"https://x-access-token:{TOKEN}@github.com/acme/shop.git",
            commit="c0ffee" * 6 + "c0ff",
            branch="feature",
            pr=7,
            full_name="acme/shop",
        )
        specs = [
            TaskSpec(id="echo", capability="echo", inputs={"token": TOKEN, "password": SECRET}),
            TaskSpec(id="tool", capability="tool", inputs={"env": {"API_TOKEN": TOKEN}}, needs=("echo",)),
            TaskSpec(
                id="grow",
                capability="grow",
                inputs={"add": [{"id": "added", "capability": "noop", "inputs": {"secret": SECRET}}]},
                needs=("tool",),
            ),
        ]
        async with connect(redis_settings) as board:
            with trigger_span("cli", trigger, tracer_provider=provider) as root:
                created = await board.runs.create(
                    specs, RunMeta(labels={"pr": "7"}), traceparent=root.traceparent
                )
                root.run_created(created)
            provider.shutdown()  # exports the trigger span
            run = await board.runs.wait(created.run_id, timeout_s=45)
            assert run.status is RunStatus.SUCCEEDED, [
                (t.spec, t.state, t.error) for t in await board.runs.tasks(run.id)
            ]
            assert run.traceparent == root.traceparent
            assert {t.traceparent for t in await board.runs.tasks(run.id) if t.spec != "added"} == {
                root.traceparent
            }
        wanted = {"trigger cli", "task echo", "task tool", "tool git", "task grow", "task noop"}
        await eventually(
            lambda: wanted <= {s.name for s in otlp.spans()}, timeout=20, what="every span exported"
        )
    finally:
        for p in (a, b):
            p.terminate()

    spans = otlp.spans()
    assert otlp.rejected == 0
    root_ctx = parse(root.traceparent)
    assert root_ctx is not None
    trace_id = f"{root_ctx.trace_id:032x}"
    assert {s.trace_id for s in spans} == {trace_id}, "every span is in the run's one trace"

    trig = by_name(spans, "trigger cli")
    assert trig.parent_span_id == "" and trig.span_id == f"{root_ctx.span_id:016x}"
    assert trig.attributes["orchestra.run.id"] == created.run_id
    assert trig.attributes["orchestra.pr"] == 7 and trig.attributes["orchestra.repo"] == "acme/shop"

    echo, tool, grow, noop = (by_name(spans, f"task {c}") for c in ("echo", "tool", "grow", "noop"))
    for task in (echo, tool, grow):
        assert task.parent_span_id == trig.span_id, f"{task.name} is a child of the trigger"
    assert noop.parent_span_id == grow.span_id, "a task added by a task is that attempt's child"
    for task, cap, peer in ((echo, "echo", "peer-a"), (tool, "tool", "peer-b"), (noop, "noop", "peer-b")):
        attrs = task.attributes
        assert attrs["orchestra.capability"] == cap and attrs["orchestra.peer.id"] == peer
        assert attrs["orchestra.run.id"] == created.run_id
        assert attrs["orchestra.task.id"] == f"{created.run_id}.{task.attributes['orchestra.task.spec']}"
        assert attrs["orchestra.attempt"] == 1 and attrs["orchestra.outcome"] == "succeeded"
    # the spans came from three processes: this one and the two peers
    assert len({s.resource["service.instance.id"] for s in (trig, echo, tool)}) == 3
    assert echo.resource["service.name"] == "orchestra-test"
    assert echo.resource["orchestra.component"] == "peer"

    git = by_name(spans, "tool git")
    assert git.parent_span_id == tool.span_id, "a subprocess is a child of its task attempt"
    assert git.attributes["process.exit.code"] == 0
    assert git.attributes["process.executable.name"] == "git"

    for span in spans:
        for text in span.strings():
            assert SECRET not in text and TOKEN not in text, f"a secret in span {span.name}: {text[:80]}"
    assert os.environ["DEPLOY_API_TOKEN"] == SECRET  # the peers had it in their environment


@pytest.mark.timeout(60)
@pytest.mark.usefixtures("traced_env")
async def test_a_failed_attempt_and_its_retry_are_two_spans_of_the_trace(
    redis_settings: BoardSettings, otlp: OtlpReceiver, tmp_path: Path
) -> None:
    assert redis_settings.redis_url
    peer = PeerProcess(redis_settings.redis_url, redis_settings.namespace, "peer-f", tmp_path,
                       capabilities="fail")  # fmt: skip
    peer.start()
    try:
        async with connect(redis_settings) as board:
            with trigger_span("api") as root:  # tracing is off in this process: still a traceparent
                created = await board.runs.create(
                    [
                        TaskSpec(
                            id="flaky",
                            capability="fail",
                            inputs={"times": 1, "retryable": True},
                            max_attempts=3,
                            retry_backoff_ms=50,
                        )
                    ],
                    traceparent=root.traceparent,
                )
            run = await board.runs.wait(created.run_id, timeout_s=30)
            assert run.status is RunStatus.SUCCEEDED
        await eventually(lambda: len(otlp.spans()) >= 2, timeout=20, what="both attempts exported")
    finally:
        peer.terminate()
    spans = sorted(otlp.spans(), key=lambda s: s.attributes["orchestra.attempt"])
    root_ctx = parse(root.traceparent)
    assert root_ctx is not None
    assert [s.attributes["orchestra.outcome"] for s in spans] == ["failed", "succeeded"]
    assert spans[0].status_code == 2  # STATUS_CODE_ERROR
    assert spans[0].attributes["orchestra.retryable"] is True
    for s in spans:
        assert s.trace_id == f"{root_ctx.trace_id:032x}" and s.parent_span_id == f"{root_ctx.span_id:016x}"


@pytest.mark.parametrize(
    ("args", "label"),
    [
        (["/usr/bin/git", "fetch", "--depth", "1", f"https://x:{TOKEN}@github.com/a/b"], "git fetch"),
        (["git", "-c", f"http.extraheader=Authorization: Bearer {TOKEN}", "fetch"], "git"),
        (["/venv/bin/python3", "-m", "pytest", "-q"], "python3 -m pytest"),
        (["terraform", "plan", f"-var=token={TOKEN}"], "terraform plan"),
        (["mytool", "deploy", SECRET], "mytool"),
        (["npm", SECRET.upper()], "npm"),
    ],
)
def test_a_tool_span_names_the_tool_never_its_arguments(args: list[str], label: str) -> None:
    assert tool_label(args) == label
