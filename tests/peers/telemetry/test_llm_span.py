"""An LLM call is a span with its backend, model and token counts (never its variables), seen
by an OTLP receiver from a process that set tracing up as an entry point does."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support.otlp import OtlpReceiver

ROOT = Path(__file__).resolve().parents[3]
SECRET = "variable-value-that-stays-out-of-spans"  # pragma: allowlist secret

SCRIPT = textwrap.dedent(
    f"""
    import anyio
    from pydantic import BaseModel
    from capabilities.llm import LLM, Reply
    from peers.telemetry import TelemetrySettings, setup_tracing

    class Answer(BaseModel):
        value: int

    class Counting:
        name = "counting"

        async def complete(self, task, variables, schema):
            return Reply(output={{"value": 42}}, prompt_tokens=12, completion_tokens=3, model="tiny-q4")

    tracing = setup_tracing(TelemetrySettings.from_env(), "script")
    generation = anyio.run(LLM(Counting()).generate, "answer", {{"secret": "{SECRET}"}}, Answer)
    assert generation.value.value == 42
    tracing.shutdown()
    """
)


def test_an_llm_call_is_a_span_with_token_counts() -> None:
    with OtlpReceiver() as otlp:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.url}
        env["OTEL_TRACES_EXPORTER"] = "otlp"
        args = [sys.executable, "-c", SCRIPT]
        done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        (span,) = otlp.spans()
    assert span.name == "llm answer" and span.parent_span_id == ""
    assert span.attributes["orchestra.llm.backend"] == "counting"
    assert span.attributes["gen_ai.usage.input_tokens"] == 12
    assert span.attributes["gen_ai.usage.output_tokens"] == 3
    assert span.attributes["gen_ai.response.model"] == "tiny-q4"
    assert span.attributes["orchestra.llm.fell_back"] is False
    assert all(SECRET not in text for text in span.strings())
