"""One analysis of a version: health, error rate and p95 latency from the router, CPU and memory
of its instances, each against its limit from the config.

Limits: ``rollback.threshold`` (cpu %, errors %, memory_mb, duration) and
``observability.alerts`` (latency threshold_ms, error_rate threshold). Both error-rate limits
apply, so the stricter one decides. An analysis with no request in its window has no error
rate or latency to judge (those checks pass, marked "no traffic").
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import anyio

from ..config.models import OrchestraConfig
from .probe import Probe

if TYPE_CHECKING:  # the deploy package uses this module: no import cycle at run time
    from ..deploy.runtimes.base import Instance, Runtime


@dataclass(frozen=True, slots=True)
class Limits:
    error_rate_pct: float | None
    latency_p95_ms: float | None
    cpu_pct: float | None
    memory_mb: float | None
    duration_s: float | None
    interval_s: float
    failure_limit: int
    probe_rps: float = 20.0

    @classmethod
    def from_config(cls, config: OrchestraConfig, interval_s: float | None = None) -> Limits:
        threshold = config.rollback.threshold
        alerts = config.observability.alerts
        rates = [
            r
            for r in (threshold.errors, alerts.error_rate.threshold if alerts.error_rate else None)
            if r is not None
        ]
        return cls(
            error_rate_pct=min(rates) if rates else None,
            latency_p95_ms=alerts.latency.threshold_ms if alerts.latency else None,
            cpu_pct=threshold.cpu,
            memory_mb=threshold.memory_mb,
            duration_s=threshold.duration,
            interval_s=interval_s if interval_s is not None else config.observability.interval,
            failure_limit=config.observability.failure_limit,
            probe_rps=config.observability.probe_rps,
        )


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    """health | error_rate | latency_p95 | cpu | memory"""
    ok: bool
    value: float | None = None
    limit: float | None = None
    unit: str = ""
    detail: str = ""

    def describe(self) -> str:
        if self.detail:
            return f"{self.name}: {self.detail}"
        op = "<=" if self.ok else ">"
        return f"{self.name} {self.value:g}{self.unit} {op} {self.limit:g}{self.unit}"


@dataclass(frozen=True, slots=True)
class Analysis:
    version: str
    at: float
    checks: tuple[Check, ...]
    requests: int = 0

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def describe(self) -> str:
        return "; ".join(c.describe() for c in (self.failed or self.checks))

    def metrics(self) -> dict[str, Any]:
        return {c.name: {"value": c.value, "limit": c.limit, "ok": c.ok} for c in self.checks}

    def encode(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def _limit(name: str, value: float | None, limit: float | None, unit: str) -> Check | None:
    if limit is None:
        return None
    if value is None:
        return Check(name, True, None, limit, unit, "no traffic")
    return Check(name, value <= limit, round(value, 3), limit, unit)


class Analyzer:
    """Analyses of one service's versions through its runtime (stateful: CPU is measured
    between two calls)."""

    def __init__(
        self, runtime: Runtime, limits: Limits, health_path: str, probe: Probe | None = None
    ) -> None:
        self.runtime = runtime
        self.limits = limits
        self.health_path = health_path
        self.probe = probe
        """Synthetic traffic while a watch runs (the service's ``probe`` paths)."""

    async def analyze(self, version: str, window_s: float | None = None) -> Analysis:
        window = window_s or self.limits.interval_s
        instances = [i for i in await self.runtime.instances() if i.version == version]
        stats = (await self.runtime.stats(window))["versions"].get(version, {})
        requests = int(stats.get("requests", 0))
        checks = [await self._health(instances)]
        for name, value, limit, unit in (
            ("error_rate", stats.get("error_rate") if requests else None, self.limits.error_rate_pct, "%"),
            ("latency_p95", stats.get("p95_ms") if requests else None, self.limits.latency_p95_ms, "ms"),
        ):
            if (check := _limit(name, value, limit, unit)) is not None:
                checks.append(check)
        usage = await self.runtime.usage(instances)
        cpu = max((u.cpu_percent for u in usage.values()), default=None)
        memory = max((u.memory_mb for u in usage.values()), default=None)
        for name, value, limit, unit in (
            ("cpu", cpu, self.limits.cpu_pct, "%"),
            ("memory", memory, self.limits.memory_mb, "MB"),
        ):
            if (check := _limit(name, value, limit, unit)) is not None:
                checks.append(check)
        return Analysis(version, time.time(), tuple(checks), requests)

    async def _health(self, instances: Sequence[Instance]) -> Check:
        if not instances:
            return Check("health", False, 0, None, "", "no instance is running")
        results: list[bool] = []

        async def probe(instance: Instance) -> None:
            results.append(await self.runtime.healthy(instance, self.health_path))

        async with anyio.create_task_group() as tg:
            for instance in instances:
                tg.start_soon(probe, instance)
        healthy = sum(results)
        detail = "" if healthy == len(results) else f"{len(results) - healthy} of {len(results)} unhealthy"
        return Check("health", healthy == len(results), healthy, len(results), "", detail or "all healthy")
