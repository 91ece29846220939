"""The spans of a run: the trigger (its root) and one per task attempt.

    with trigger_span("slack", trigger) as root:          # gateway, cli, slack, api
        created = await start_pipeline(board, trigger, traceparent=root.traceparent)
        root.run_created(created)

The trigger span is always a new trace; its ``traceparent`` goes on the run and every task
inherits it, so each attempt span (``task <capability>``) is its child whichever process runs it.
Attributes carry ids, names and counts only: never inputs, arguments, URLs or environment.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode, TracerProvider

from blackboard import Claim, Created, Failure, Outcome, Success
from capabilities.plan import Trigger
from capabilities.plan.trigger import repo_name

from .context import extract, new_traceparent, traceparent

TRACER = "devops_orchestra"
AttributeValue = str | bool | int | float
FAILED_OUTCOMES = frozenset({"failed", "lost", "fenced"})


def tracing_on(provider: TracerProvider | None = None) -> bool:
    """Whether spans are recorded: a provider was installed (or given)."""
    provider = provider or trace.get_tracer_provider()
    return not isinstance(provider, trace.ProxyTracerProvider | trace.NoOpTracerProvider)


def _tracer(provider: TracerProvider | None) -> trace.Tracer:
    return (provider or trace.get_tracer_provider()).get_tracer(TRACER)


class TriggerSpan:
    """The root span of a run being started, and the ``traceparent`` the run must carry."""

    def __init__(self, span: Span, parent: str) -> None:
        self.span = span
        self.traceparent = parent

    def run_created(self, created: Created) -> None:
        self.span.set_attribute("orchestra.run.id", created.run_id)
        self.span.set_attribute("orchestra.run.duplicate", not created.created)

    def set(self, key: str, value: AttributeValue) -> None:
        self.span.set_attribute(key, value)


def trigger_attributes(trigger: Trigger) -> dict[str, AttributeValue]:
    """What a trigger span says about the event: never the clone URL (it may hold credentials)."""
    attrs: dict[str, AttributeValue] = {
        "orchestra.trigger.event": trigger.event,
        "orchestra.repo": trigger.full_name or trigger.name or repo_name(trigger.repo.split("@")[-1]),
        "orchestra.branch": trigger.branch,
        "orchestra.commit": trigger.commit,
    }
    if trigger.pr is not None:
        attrs["orchestra.pr"] = trigger.pr
    if trigger.delivery:
        attrs["orchestra.delivery"] = trigger.delivery
    return attrs


@contextmanager
def trigger_span(
    source: str,
    trigger: Trigger | None = None,
    *,
    attributes: Mapping[str, AttributeValue] | None = None,
    tracer_provider: TracerProvider | None = None,
) -> Iterator[TriggerSpan]:
    """Open the root span ``trigger <source>`` of a new trace around starting a run.

    A span current here (the HTTP request of a webhook, a chat command) is linked, not made
    the parent: the run gets a trace of its own. ``traceparent`` is valid even with tracing
    off (a fresh sampled id), so the peers that do trace the run still share one trace.
    """
    cause = trace.get_current_span().get_span_context()
    attrs: dict[str, AttributeValue] = {"orchestra.trigger.source": source}
    if trigger is not None:
        attrs.update(trigger_attributes(trigger))
    attrs.update(attributes or {})
    with _tracer(tracer_provider).start_as_current_span(
        f"trigger {source}",
        context=Context(),
        kind=SpanKind.PRODUCER,
        attributes=attrs,
        links=[Link(cause)] if cause.is_valid else None,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            yield TriggerSpan(span, traceparent(span) or new_traceparent())
        except BaseException as exc:
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise


def outcome_label(outcome: Outcome | None, *, lost: bool, released: bool) -> str:
    """How an attempt ended, as spans and metrics label it."""
    if lost:
        return "lost"
    if released:
        return "released"
    if outcome is None:
        return "fenced"
    return "succeeded" if isinstance(outcome, Success) else "failed"


class Attempt:
    """The span of one task attempt while it runs."""

    def __init__(self, span: Span) -> None:
        self.span = span

    def finish(self, label: str, outcome: Outcome | None) -> None:
        self.span.set_attribute("orchestra.outcome", label)
        if isinstance(outcome, Failure):
            self.span.set_attribute("orchestra.retryable", outcome.retryable)
        if label in FAILED_OUTCOMES:
            self.span.set_status(Status(StatusCode.ERROR, label))


class AttemptSpans:
    """Makes the span of each task attempt a peer runs, as a child of the task's ``traceparent``.

    Whether tracing is on is decided once, when the peer is built (entry points set tracing up
    first): with it off, the claim path pays for one attribute check.
    """

    def __init__(self, peer_id: str, tracer_provider: TracerProvider | None = None) -> None:
        self.peer_id = peer_id
        self.on = tracing_on(tracer_provider)
        self._tracer = _tracer(tracer_provider) if self.on else None

    def start(self, claim: Claim) -> AbstractContextManager[Attempt | None]:
        if self._tracer is None:
            return nullcontext()
        return self._span(self._tracer, claim)

    @contextmanager
    def _span(self, tracer: trace.Tracer, claim: Claim) -> Iterator[Attempt]:
        with tracer.start_as_current_span(
            f"task {claim.capability}",
            context=extract(claim.traceparent),
            kind=SpanKind.CONSUMER,
            attributes={
                "orchestra.capability": claim.capability,
                "orchestra.task.id": claim.task_id,
                "orchestra.task.spec": claim.spec,
                "orchestra.run.id": claim.run_id,
                "orchestra.peer.id": self.peer_id,
                "orchestra.attempt": claim.attempt,
                "orchestra.max_attempts": claim.max_attempts,
            },
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            yield Attempt(span)

    def traced(self, claim: Claim) -> Claim:
        """``claim`` carrying the current attempt span's context: tasks it adds to its run become
        children of this attempt."""
        if not self.on:
            return claim
        current = traceparent()
        return replace(claim, traceparent=current) if current else claim
