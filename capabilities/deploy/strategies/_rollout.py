"""What every strategy works with: one rollout of one version of one service."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio

from ...config.models import Service, Strategy
from ...context import Context
from ...observe.analysis import Analyzer, Limits
from ...observe.probe import Probe
from ...observe.watch import Verdict, watch
from ...release import Release
from ...rollback.logic import RollbackOutcome, roll_back
from ...router import VersionRoute
from ..history import History
from ..runtimes import AppSpec, Instance, RoutedRuntime, Track

log = logging.getLogger(__name__)

HEALTH_TIMEOUT_S = 60.0
DRAIN_S = 30.0


@dataclass
class Outcome:
    status: Literal["promoted", "rolled_back", "failed"]
    reason: str = ""
    verdicts: list[Verdict] = field(default_factory=list)
    previous: list[Instance] = field(default_factory=list)
    """The old version's instances, kept at weight 0 until retired (blue-green, canary)."""
    rollback: RollbackOutcome | None = None

    def analysis(self) -> dict[str, Any]:
        analyses = [a for v in self.verdicts for a in v.analyses]
        last = analyses[-1] if analyses else None
        return {
            "analyses": len(analyses),
            "failed": sum(1 for a in analyses if not a.ok),
            "last": last.encode() if last else None,
            "reason": self.reason,
        }


@dataclass
class Rollout:
    ctx: Context
    service: Service
    strategy: Strategy
    runtime: RoutedRuntime
    history: History
    release: Release
    app: AppSpec
    limits: Limits
    dependencies: list[History] = field(default_factory=list)
    secret_names: Sequence[str] = ()
    started_ms: int = field(default_factory=lambda: time.time_ns() // 1_000_000)
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def version(self) -> str:
        return self.app.version

    @property
    def analyzer(self) -> Analyzer:
        if not hasattr(self, "_analyzer"):
            probe = Probe(self.runtime.url, self.service.probe, self.limits.probe_rps)
            self._analyzer = Analyzer(self.runtime, self.limits, self.app.health, probe)
        return self._analyzer

    async def start_replicas(self, track: Track, replicas: Sequence[int]) -> list[Instance]:
        """Start these replicas of the new version and wait until all are healthy; on failure
        stop them and raise InstanceFailed (no traffic ever reached them)."""
        started: list[Instance] = []
        try:
            for replica in replicas:
                started.append(await self.runtime.start(self.app, track, replica))
            for instance in started:  # all are starting already: waiting in turn costs the slowest
                await self.runtime.wait_healthy(instance, self.app.health, HEALTH_TIMEOUT_S)
        except BaseException:
            with anyio.CancelScope(shield=True):
                for instance in started:
                    await self.runtime.stop(instance, drain_s=0)
            raise
        return started

    async def route(self, *routes: tuple[str, int, Sequence[Instance]], stable: str) -> None:
        await self.runtime.route(
            [
                VersionRoute(version=v, weight=w, upstreams=tuple(i.address for i in inst))
                for v, w, inst in routes
            ],
            stable=stable,
        )

    async def step(self, **data: Any) -> None:
        entry = {
            "service": self.service.name,
            "version": self.version,
            "strategy": self.strategy.type,
            **data,
        }
        self.steps.append({**data, "t": round(time.time(), 3)})
        await self.ctx.emit("deploy.step", entry)

    async def dependency_rolled_back(self) -> str | None:
        for dependency in self.dependencies:
            entry = await dependency.rolled_back_since(self.started_ms)
            if entry is not None:
                return (
                    f"dependency {dependency.service} rolled back ({entry.version} -> {entry.to}) "
                    f"during the rollout: {entry.reason}"
                )
        return None

    async def verify(self, ticks: int) -> Verdict:
        return await watch(self.analyzer, self.version, ticks=ticks, abort_check=self.dependency_rolled_back)

    async def abort(self, reason: str, verdicts: list[Verdict]) -> Outcome:
        last = verdicts[-1].last if verdicts else None
        outcome = await roll_back(
            self.ctx,
            self.runtime,
            self.history,
            self.service,
            bad=self.version,
            reason=reason,
            metrics=last.metrics() if last else {},
            secret_names=self.secret_names,
            bad_release=self.release.model_dump(mode="json"),
            drain_s=DRAIN_S,
        )
        return Outcome("rolled_back", reason, verdicts, rollback=outcome)
