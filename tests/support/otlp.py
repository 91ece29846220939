"""An OTLP/HTTP trace receiver for tests: a real HTTP server on loopback accepting
``POST /v1/traces`` with a protobuf ``ExportTraceServiceRequest`` (gzip or not), as an
OpenTelemetry collector does, and keeping every span it was sent, decoded."""

from __future__ import annotations

import gzip
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from .http_server import LoopbackServer

TRACES_PATH = "/v1/traces"


def _value(v: AnyValue) -> Any:
    kind = v.WhichOneof("value")
    if kind == "array_value":
        return [_value(x) for x in v.array_value.values]
    if kind == "kvlist_value":
        return _attributes(v.kvlist_value.values)
    return getattr(v, kind) if kind else None


def _attributes(kvs: Iterable[KeyValue]) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in kvs}


@dataclass(frozen=True)
class ReceivedSpan:
    trace_id: str
    span_id: str
    parent_span_id: str
    """``""`` for a root span."""
    name: str
    kind: int
    attributes: dict[str, Any]
    resource: dict[str, Any]
    scope: str
    status_code: int
    status_message: str
    start_ns: int
    end_ns: int
    events: list[dict[str, Any]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    """(trace id, span id) of each linked span."""

    def strings(self) -> list[str]:
        """Every text the span carries: names, attribute and resource values, status, events."""
        out = [self.name, self.status_message, self.scope]
        for attrs in (self.attributes, self.resource, *self.events):
            out += [f"{k}={v}" for k, v in attrs.items()]
        return out


class OtlpReceiver(LoopbackServer):
    """``with OtlpReceiver() as otlp: env OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url ...; otlp.spans()``."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self._spans: list[ReceivedSpan] = []
        self.requests = 0
        self.rejected = 0

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(_Handler):
            otlp = receiver

        return Handler

    @property
    def url(self) -> str:
        """The base URL, as ``OTEL_EXPORTER_OTLP_ENDPOINT`` takes it."""
        return f"http://127.0.0.1:{self.port}"

    def spans(self) -> list[ReceivedSpan]:
        with self.lock:
            return list(self._spans)

    def receive(self, body: bytes) -> None:
        request = ExportTraceServiceRequest.FromString(body)
        got: list[ReceivedSpan] = []
        for rs in request.resource_spans:
            resource = _attributes(rs.resource.attributes)
            for ss in rs.scope_spans:
                for s in ss.spans:
                    got.append(
                        ReceivedSpan(
                            trace_id=s.trace_id.hex(),
                            span_id=s.span_id.hex(),
                            parent_span_id=s.parent_span_id.hex(),
                            name=s.name,
                            kind=s.kind,
                            attributes=_attributes(s.attributes),
                            resource=resource,
                            scope=ss.scope.name,
                            status_code=s.status.code,
                            status_message=s.status.message,
                            start_ns=s.start_time_unix_nano,
                            end_ns=s.end_time_unix_nano,
                            events=[{"name": e.name, **_attributes(e.attributes)} for e in s.events],
                            links=[(x.trace_id.hex(), x.span_id.hex()) for x in s.links],
                        )
                    )
        with self.lock:
            self._spans += got


class _Handler(BaseHTTPRequestHandler):
    otlp: OtlpReceiver
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with self.otlp.lock:
            self.otlp.requests += 1
        if self.path.split("?", 1)[0] != TRACES_PATH:
            self._answer(404, b"not found", "text/plain")
            return
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/x-protobuf":
            self._answer(415, b"only application/x-protobuf", "text/plain")
            return
        encoding = self.headers.get("Content-Encoding", "").lower()
        try:
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            self.otlp.receive(body)
        except Exception:
            with self.otlp.lock:
                self.otlp.rejected += 1
            self._answer(400, b"bad request", "text/plain")
            return
        self._answer(200, ExportTraceServiceResponse().SerializeToString(), "application/x-protobuf")
