"""Prometheus metrics of one gateway app, in a registry of its own (never the global default one,
so several apps in one process do not collide)."""

from __future__ import annotations

import logging
import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from blackboard import TRANSIENT_ERRORS, Board

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
UNMATCHED = "<unmatched>"
"""The route label of requests no route matched (never the raw path: unbounded cardinality)."""


class GatewayMetrics:
    """Counters the routes update, and board gauges refreshed on every scrape."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.webhooks = Counter(
            "orchestra_gateway_webhooks",
            "Webhook deliveries received, by event and outcome.",
            ["event", "outcome"],
            registry=r,
        )
        self.runs_created = Counter(
            "orchestra_gateway_runs_created", "Runs the gateway created, by event.", ["event"], registry=r
        )
        self.requests = Counter(
            "orchestra_gateway_requests",
            "HTTP requests, by route and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "orchestra_gateway_request_duration_seconds",
            "Time to answer an HTTP request, by route.",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=r,
        )
        self.queued = Gauge(
            "orchestra_tasks_queued",
            "Tasks posted and not yet claimed, by capability.",
            ["capability"],
            registry=r,
        )
        self.running = Gauge(
            "orchestra_tasks_running",
            "Tasks claimed under a lease, by capability.",
            ["capability"],
            registry=r,
        )
        self.live_peers = Gauge("orchestra_peers_live", "Peers whose heartbeat is current.", registry=r)
        self.board_up = Gauge(
            "orchestra_gateway_board_up", "1 when the board answered the last scrape, else 0.", registry=r
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    async def refresh(self, board: Board) -> None:
        """Read queue and peer gauges from the board (a failed read leaves them and says so)."""
        try:
            stats = await board.tasks.stats()
            live = sum(1 for p in await board.peers.all() if p.alive)
        except TRANSIENT_ERRORS as exc:
            log.warning("metrics: cannot read the board: %s", exc)
            self.board_up.set(0)
            return
        self.queued.clear()
        self.running.clear()
        for s in stats:
            self.queued.labels(s.capability).set(s.queued)
            self.running.labels(s.capability).set(s.running)
        self.live_peers.set(live)
        self.board_up.set(1)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class TimingMiddleware:
    """Times every HTTP request and labels it with the template of the route that answered it."""

    def __init__(self, app: ASGIApp, metrics: GatewayMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", UNMATCHED)
            self.metrics.observe(scope["method"], str(route), status, time.perf_counter() - start)
