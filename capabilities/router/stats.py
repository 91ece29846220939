"""Per-version request statistics over a sliding window: counts, status codes, latency.

Every proxied request adds one sample (its end time on CLOCK_MONOTONIC, its status, its
latency). A query asks for the last ``window_s`` seconds; samples older than ``KEEP_S`` go.
Latency is measured from the request's head being read to the response's last byte being
written to the client. Percentiles are nearest-rank over the window's samples.
"""

from __future__ import annotations

import math
import time
from collections import Counter, deque
from collections.abc import Sequence
from typing import Any

KEEP_S = 120.0
MAX_SAMPLES = 200_000
"""Per version: a bound on memory whatever the traffic (the oldest samples go first)."""


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..100) of already sorted values."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class VersionStats:
    __slots__ = ("proxy_errors", "requests", "retries", "samples", "statuses")

    def __init__(self) -> None:
        self.samples: deque[tuple[float, int, float, bool]] = deque(maxlen=MAX_SAMPLES)
        self.requests = 0
        self.statuses: Counter[int] = Counter()
        self.proxy_errors = 0
        self.retries = 0

    def add(self, at: float, status: int, latency_s: float, proxy_error: bool) -> None:
        self.samples.append((at, status, latency_s, proxy_error))
        self.requests += 1
        self.statuses[status] += 1
        if proxy_error:
            self.proxy_errors += 1

    def prune(self, now: float) -> None:
        while self.samples and self.samples[0][0] < now - KEEP_S:
            self.samples.popleft()

    def snapshot(self, now: float, window_s: float) -> dict[str, Any]:
        since = now - window_s
        recent = [s for s in self.samples if s[0] >= since]
        latencies = sorted(s[2] * 1000.0 for s in recent)
        statuses = Counter(s[1] for s in recent)
        errors = sum(n for code, n in statuses.items() if code >= 500)
        n = len(recent)
        return {
            "window_s": window_s,
            "requests": n,
            "rps": round(n / window_s, 3) if window_s > 0 else 0.0,
            "status": {str(code): count for code, count in sorted(statuses.items())},
            "errors_5xx": errors,
            "error_rate": round(100.0 * errors / n, 3) if n else 0.0,
            "proxy_errors": sum(1 for s in recent if s[3]),
            "p50_ms": _round(percentile(latencies, 50)),
            "p95_ms": _round(percentile(latencies, 95)),
            "p99_ms": _round(percentile(latencies, 99)),
            "max_ms": _round(latencies[-1] if latencies else None),
            "total": {
                "requests": self.requests,
                "status": {str(code): count for code, count in sorted(self.statuses.items())},
                "proxy_errors": self.proxy_errors,
                "retries": self.retries,
            },
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


class Stats:
    """All versions' statistics and the requests in flight per upstream (for draining)."""

    def __init__(self) -> None:
        self.versions: dict[str, VersionStats] = {}
        self.inflight: Counter[str] = Counter()
        self._last_prune = time.monotonic()

    def version(self, name: str) -> VersionStats:
        stats = self.versions.get(name)
        if stats is None:
            stats = self.versions[name] = VersionStats()
        return stats

    def record(self, version: str, status: int, latency_s: float, *, proxy_error: bool = False) -> None:
        now = time.monotonic()
        self.version(version).add(now, status, latency_s, proxy_error)
        if now - self._last_prune > 5.0:
            self._last_prune = now
            for stats in self.versions.values():
                stats.prune(now)

    def snapshot(self, window_s: float) -> dict[str, Any]:
        now = time.monotonic()
        return {
            "now": now,
            "versions": {name: s.snapshot(now, window_s) for name, s in self.versions.items()},
            "inflight": {u: n for u, n in self.inflight.items() if n},
        }
