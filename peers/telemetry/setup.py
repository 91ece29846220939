"""Set tracing up once per process, at the entry point: a TracerProvider exporting to OTLP
(HTTP or gRPC) and/or the console, installed as OpenTelemetry's global provider.

Code that makes spans asks OpenTelemetry's API for a tracer (``capabilities`` cannot import
``peers``); until a provider is installed every span is a no-op that costs next to nothing.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import sys
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from opentelemetry import trace

from .errors import TelemetryError
from .settings import TelemetrySettings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Tracing:
    """What ``setup_tracing`` installed; ``shutdown`` exports what is left (idempotent)."""

    settings: TelemetrySettings
    provider: TracerProvider | None = None
    _closed: bool = field(default=False, repr=False)

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    def flush(self, timeout_s: float = 5.0) -> bool:
        if self.provider is None:
            return True
        return self.provider.force_flush(int(timeout_s * 1000))

    def shutdown(self) -> None:
        if self.provider is None or self._closed:
            return
        self._closed = True
        self.provider.shutdown()


def _package_version() -> str:
    try:
        return version("devops-orchestra")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def _exporter(settings: TelemetrySettings, name: str) -> SpanExporter:
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter(out=sys.stderr)  # stdout belongs to the command's output
    if settings.protocol == "grpc":
        try:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        except ImportError:  # pragma: no cover - depends on what is installed
            raise TelemetryError(
                "OTLP over gRPC needs the package opentelemetry-exporter-otlp-proto-grpc; "
                "install it or set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf"
            ) from None
        return OTLPSpanExporter(endpoint=settings.endpoint)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

    return HttpExporter(endpoint=settings.endpoint)


def build_provider(settings: TelemetrySettings, component: str = "") -> TracerProvider | None:
    """A provider exporting as ``settings`` say (not installed anywhere); None when tracing is off.

    Its resource names the service, the process (``service.instance.id``) and the component
    (``peer``, ``gateway``, ``run``, ...); never the command line or the environment.
    """
    if not settings.enabled:
        return None
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    attributes: dict[str, str] = {
        "service.name": settings.service_name,
        "service.version": _package_version(),
        "service.instance.id": f"{socket.gethostname()}-{os.getpid()}",
    }
    if component:
        attributes["orchestra.component"] = component
    provider = TracerProvider(resource=Resource.create(attributes), shutdown_on_exit=False)
    for name in settings.exporters:
        provider.add_span_processor(BatchSpanProcessor(_exporter(settings, name)))
    return provider


def setup_tracing(settings: TelemetrySettings, component: str = "") -> Tracing:
    """Install the global tracer provider for this process (call once, at the entry point).

    With tracing off nothing is installed. The provider is shut down (what is buffered is
    exported) by ``Tracing.shutdown`` or, failing that, at interpreter exit.
    """
    provider = build_provider(settings, component)
    tracing = Tracing(settings, provider)
    if provider is None:
        return tracing
    current = trace.get_tracer_provider()
    if not isinstance(current, trace.ProxyTracerProvider | trace.NoOpTracerProvider):
        log.warning("tracing was already set up in this process; keeping the first provider")
        provider.shutdown()
        return Tracing(settings, None)
    trace.set_tracer_provider(provider)
    atexit.register(tracing.shutdown)
    log.info(
        "tracing: %s spans of %s to %s",
        "+".join(settings.exporters),
        settings.service_name,
        settings.endpoint if "otlp" in settings.exporters else "stderr",
    )
    return tracing
