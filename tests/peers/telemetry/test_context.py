"""W3C traceparent in and out of board records."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from peers.telemetry import extract, new_traceparent, parse, traceparent

TP = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_round_trip() -> None:
    remote = parse(TP)
    assert remote is not None and remote.is_remote and remote.is_valid
    assert remote.trace_id == 0x0AF7651916CD43DD8448EB211C80319C and remote.span_id == 0xB7AD6B7169203331
    assert remote.trace_flags.sampled
    assert traceparent(NonRecordingSpan(remote)) == TP


def test_extract_makes_the_named_span_the_parent() -> None:
    ctx = extract(TP)
    parent = trace.get_current_span(ctx).get_span_context()
    assert f"{parent.trace_id:032x}" == "0af7651916cd43dd8448eb211c80319c"


MALFORMED = [
    "",
    "garbage",
    "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",  # an unknown version
    "00-" + "0" * 32 + "-b7ad6b7169203331-01",  # a zero trace id
    "00-0af7651916cd43dd8448eb211c80319c-" + "0" * 16 + "-01",  # a zero span id
]


def test_malformed_or_empty_values_start_a_new_trace() -> None:
    for bad in MALFORMED:
        assert parse(bad) is None
        assert not trace.get_current_span(extract(bad)).get_span_context().is_valid


def test_no_current_span_has_no_traceparent() -> None:
    assert traceparent() == ""
    unsampled = SpanContext(1, 2, is_remote=False, trace_flags=TraceFlags(0))
    assert traceparent(NonRecordingSpan(unsampled)).endswith("-00")


def test_new_traceparents_are_valid_sampled_and_distinct() -> None:
    a, b = new_traceparent(), new_traceparent()
    assert a != b
    for value in (a, b):
        parsed = parse(value)
        assert parsed is not None and parsed.trace_flags.sampled
