"""Tracing (OpenTelemetry, configured by the standard ``OTEL_*`` environment) and Prometheus
metrics for the processes: one trace per run, spans joined across processes through the
``traceparent`` the board keeps on runs and tasks.

Entry points call ``setup_tracing(TelemetrySettings.from_env(), component)`` once; whatever
starts a run wraps it in ``trigger_span``; peers make a span per task attempt (``AttemptSpans``)
and serve ``PeerMetrics`` with a ``MetricsServer``.
"""

from .context import extract, new_traceparent, parse, traceparent
from .errors import TelemetryError
from .metrics import MetricsServer, PeerMetrics
from .settings import TelemetrySettings
from .setup import Tracing, build_provider, setup_tracing
from .spans import (
    TRACER,
    Attempt,
    AttemptSpans,
    TriggerSpan,
    outcome_label,
    tracing_on,
    trigger_attributes,
    trigger_span,
)

__all__ = [
    "TRACER",
    "Attempt",
    "AttemptSpans",
    "MetricsServer",
    "PeerMetrics",
    "TelemetryError",
    "TelemetrySettings",
    "Tracing",
    "TriggerSpan",
    "build_provider",
    "extract",
    "new_traceparent",
    "outcome_label",
    "parse",
    "setup_tracing",
    "traceparent",
    "tracing_on",
    "trigger_attributes",
    "trigger_span",
]
