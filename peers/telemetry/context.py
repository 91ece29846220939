"""W3C trace context in board records: ``traceparent`` strings in, OpenTelemetry contexts out.

The board stores one ``traceparent`` field on every run and task (``00-<trace id>-<span id>-<flags>``);
a run's tasks inherit the run's, tasks a task adds inherit that task's. Writers inject the
current span's; readers extract it and start their spans as its children, so spans from
separate processes join one tree.
"""

from __future__ import annotations

import re
import secrets

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, TraceFlags

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


def traceparent(span: Span | None = None) -> str:
    """The ``traceparent`` of ``span`` (by default the current one); ``""`` when it has none."""
    ctx = (span if span is not None else trace.get_current_span()).get_span_context()
    if not ctx.is_valid:
        return ""
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"


def parse(value: str) -> SpanContext | None:
    """The remote span a ``traceparent`` names, or None when it is empty or malformed."""
    match = _TRACEPARENT.match(value.strip().lower()) if value else None
    if match is None:
        return None
    trace_id, span_id = int(match[1], 16), int(match[2], 16)
    if not trace_id or not span_id:
        return None
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags(int(match[3], 16)))


def extract(value: str) -> Context:
    """A context whose parent is the span ``value`` names; an empty one (a new trace) otherwise."""
    remote = parse(value)
    if remote is None:
        return Context()
    return trace.set_span_in_context(NonRecordingSpan(remote), Context())


def new_traceparent() -> str:
    """A fresh, sampled ``traceparent``: a run started where tracing is off still gets one, so
    the spans of peers that trace it share one trace id."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"
