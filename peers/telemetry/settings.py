"""Tracing settings from the standard ``OTEL_*`` environment, built once at the entry point.

Read here (the OpenTelemetry specification's names and defaults, except that tracing is off
unless asked for):

- ``OTEL_TRACES_EXPORTER``: ``otlp``, ``console``, ``none`` or a comma-separated list. Unset, it
  is ``otlp`` when an OTLP endpoint is set and ``none`` otherwise. ``OTEL_SDK_DISABLED=true`` wins.
- ``OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`` / ``OTEL_EXPORTER_OTLP_PROTOCOL``: ``http/protobuf``
  (default) or ``grpc``.
- ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` (used as it is) / ``OTEL_EXPORTER_OTLP_ENDPOINT`` (a base:
  ``/v1/traces`` is appended for HTTP); ``http://localhost:4318`` or ``:4317`` by default.
- ``OTEL_SERVICE_NAME``: ``devops-orchestra`` by default.

The exporters read the rest themselves (``OTEL_EXPORTER_OTLP_HEADERS``, ``..._TIMEOUT``,
``..._COMPRESSION``, certificates), the SDK reads ``OTEL_TRACES_SAMPLER``,
``OTEL_RESOURCE_ATTRIBUTES`` and ``OTEL_BSP_*``. Header values (collector credentials) are never
kept in this object, so it can be logged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from .errors import TelemetryError

Exporter = Literal["otlp", "console"]
Protocol = Literal["http/protobuf", "grpc"]

DEFAULT_SERVICE_NAME = "devops-orchestra"
DEFAULT_HTTP_ENDPOINT = "http://localhost:4318"
DEFAULT_GRPC_ENDPOINT = "http://localhost:4317"
TRACES_PATH = "/v1/traces"
_EXPORTERS = frozenset({"otlp", "console", "none"})
_PROTOCOLS = frozenset({"http/protobuf", "grpc"})


@dataclass(frozen=True, slots=True)
class TelemetrySettings:
    exporters: tuple[Exporter, ...] = ()
    """Where spans go; empty: tracing is off (spans cost next to nothing)."""
    protocol: Protocol = "http/protobuf"
    endpoint: str = DEFAULT_HTTP_ENDPOINT + TRACES_PATH
    """The OTLP endpoint spans are sent to (HTTP: the full ``/v1/traces`` URL)."""
    service_name: str = DEFAULT_SERVICE_NAME

    @property
    def enabled(self) -> bool:
        return bool(self.exporters)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TelemetrySettings:
        env = os.environ if env is None else env
        service = env.get("OTEL_SERVICE_NAME", "").strip() or DEFAULT_SERVICE_NAME
        protocol = (
            env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL") or ""
        ).strip() or "http/protobuf"
        if protocol not in _PROTOCOLS:
            raise TelemetryError(
                f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r} is not supported: use http/protobuf or grpc"
            )
        traces_endpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
        base_endpoint = env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
        if traces_endpoint:
            endpoint = traces_endpoint
        elif protocol == "grpc":
            endpoint = base_endpoint or DEFAULT_GRPC_ENDPOINT
        else:
            endpoint = (base_endpoint or DEFAULT_HTTP_ENDPOINT).rstrip("/") + TRACES_PATH
        if not endpoint.startswith(("http://", "https://")):
            raise TelemetryError(f"the OTLP endpoint {endpoint!r} is not an http:// or https:// URL")
        settings = cls(
            exporters=_exporters(env, bool(traces_endpoint or base_endpoint)),
            protocol=protocol,  # type: ignore[arg-type]
            endpoint=endpoint,
            service_name=service,
        )
        return settings


def _exporters(env: Mapping[str, str], endpoint_set: bool) -> tuple[Exporter, ...]:
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return ()
    raw = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if not raw:
        return ("otlp",) if endpoint_set else ()
    names = [n.strip() for n in raw.split(",") if n.strip()]
    unknown = [n for n in names if n not in _EXPORTERS]
    if unknown:
        raise TelemetryError(f"OTEL_TRACES_EXPORTER names {', '.join(unknown)}: use otlp, console or none")
    if "none" in names:
        return ()
    return tuple(dict.fromkeys(names))  # type: ignore[arg-type]
