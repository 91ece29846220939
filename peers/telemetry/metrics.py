"""Prometheus metrics of a peer (``orchestra peer --metrics-port N``), in a registry of its own.

The counters are the peer's own ``PeerStats``, read at every scrape (one count, two readers:
the heartbeat and ``/metrics``); task durations are a histogram per capability and outcome,
observed by the peer as each attempt ends.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Protocol

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest, start_http_server
from prometheus_client.registry import Collector

from ..stats import PeerStats
from .errors import TelemetryError

log = logging.getLogger(__name__)

DURATION_BUCKETS = (0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)


class _Running(Protocol):
    @property
    def running(self) -> int: ...


class _Described(Protocol):
    @property
    def version(self) -> str: ...


class ObservedPeer(Protocol):
    """What the metrics read of a peer."""

    id: str
    stats: PeerStats

    @property
    def inflight(self) -> _Running: ...

    @property
    def info(self) -> _Described: ...


class _PeerCollector(Collector):
    def __init__(self, peer: ObservedPeer) -> None:
        self._peer = peer

    def collect(self) -> Iterator[Metric]:
        s = self._peer.stats
        info = GaugeMetricFamily(
            "orchestra_peer_info", "The peer this process runs (always 1).", labels=["peer", "version"]
        )
        info.add_metric([self._peer.id, self._peer.info.version], 1)
        yield info
        yield CounterMetricFamily(
            "orchestra_peer_tasks_claimed", "Task attempts this peer started.", s.claimed
        )
        yield CounterMetricFamily(
            "orchestra_peer_tasks_reassigned",
            "Tasks this peer took over from a peer whose lease expired.",
            s.reassigned,
        )
        completed = CounterMetricFamily(
            "orchestra_peer_tasks_completed",
            "Outcomes the board accepted, by outcome (succeeded, failed, retried) or refused (fenced).",
            labels=["outcome"],
        )
        for outcome, value in (
            ("succeeded", s.succeeded),
            ("failed", s.failed),
            ("retried", s.retried),
            ("refused", s.refused),
        ):
            completed.add_metric([outcome], value)
        yield completed
        yield CounterMetricFamily(
            "orchestra_peer_tasks_released", "Unfinished tasks this peer handed back at shutdown.", s.released
        )
        yield CounterMetricFamily(
            "orchestra_peer_leases_lost", "Leases found lost at renewal (their handlers stopped).", s.lost
        )
        yield CounterMetricFamily(
            "orchestra_peer_lease_renewals", "Lease renewals that succeeded.", s.renewals
        )
        yield GaugeMetricFamily(
            "orchestra_peer_tasks_inflight", "Task handlers running now.", self._peer.inflight.running
        )


class PeerMetrics:
    """The registry ``/metrics`` serves for one peer."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.durations = Histogram(
            "orchestra_peer_task_duration_seconds",
            "How long task attempts ran on this peer, by capability and outcome.",
            ["capability", "outcome"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self._bound = False

    def bind(self, peer: ObservedPeer) -> None:
        """Report ``peer``'s counters (once; a registry serves one peer)."""
        if self._bound:
            raise TelemetryError("these metrics already report a peer")
        self.registry.register(_PeerCollector(peer))
        self._bound = True

    def task_finished(self, capability: str, outcome: str, seconds: float) -> None:
        self.durations.labels(capability, outcome).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsServer:
    """``/metrics`` over HTTP from a daemon thread (prometheus_client's WSGI server), so a
    scrape never waits for the event loop and a busy loop never fails a scrape."""

    def __init__(self, registry: CollectorRegistry, host: str, port: int) -> None:
        self.registry = registry
        self.host = host
        self.port = port
        self._server: object | None = None

    def __enter__(self) -> MetricsServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> int:
        """Listen; returns the port (useful with port 0)."""
        try:
            server, _thread = start_http_server(self.port, addr=self.host, registry=self.registry)
        except OSError as exc:
            raise TelemetryError(f"cannot serve metrics on {self.host}:{self.port}: {exc}") from None
        self._server = server
        self.port = server.server_port
        log.info("metrics on http://%s:%d/metrics", self.host, self.port)
        return self.port

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()  # type: ignore[attr-defined]
            server.server_close()  # type: ignore[attr-defined]
