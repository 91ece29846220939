"""Analyses at an interval, judged together: ``failure_limit`` consecutive failed analyses (a
breach that lasted ``duration`` seconds, when the config sets one) abort. Used by every
deploy strategy (canary steps, post-switch verification) and by the observe stage."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio

from .analysis import Analysis, Analyzer, Limits

AbortCheck = Callable[[], Awaitable[str | None]]
"""Called at every tick: a reason to abort (a dependency rolled back), or None."""
OnAnalysis = Callable[[Analysis], Awaitable[None]]


@dataclass
class Verdict:
    ok: bool
    reason: str = ""
    analyses: list[Analysis] = field(default_factory=list)
    breach_at: float | None = None
    """Wall-clock time of the first failed analysis of the streak that aborted."""

    @property
    def last(self) -> Analysis | None:
        return self.analyses[-1] if self.analyses else None

    def summary(self) -> dict[str, Any]:
        failed = [a for a in self.analyses if not a.ok]
        return {
            "ok": self.ok,
            "reason": self.reason,
            "analyses": len(self.analyses),
            "failed": len(failed),
            "last": self.last.encode() if self.last else None,
        }


class Streak:
    """Consecutive failures against the limit (and the breach duration)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.count = 0
        self.since: float | None = None
        self.since_wall: float | None = None

    def add(self, analysis: Analysis) -> bool:
        """Record an analysis; True when the rollout must abort."""
        if analysis.ok:
            self.count, self.since, self.since_wall = 0, None, None
            return False
        self.count += 1
        if self.since is None:
            self.since, self.since_wall = time.monotonic(), analysis.at
        lasted = time.monotonic() - self.since
        enough_time = self.limits.duration_s is None or lasted >= self.limits.duration_s
        return self.count >= self.limits.failure_limit and enough_time


async def watch(
    analyzer: Analyzer,
    version: str,
    *,
    ticks: int | None = None,
    until: float | None = None,
    abort_check: AbortCheck | None = None,
    on_analysis: OnAnalysis | None = None,
    max_ticks: int = 10_000,
) -> Verdict:
    """Analyse ``version`` every interval for at least ``ticks`` analyses or until the
    monotonic time ``until``; carry on while a failure streak is open (it either recovers or
    reaches the limit). Returns the verdict; never raises for a failed analysis."""
    if analyzer.probe is not None and analyzer.probe.paths:
        async with anyio.create_task_group() as tg:
            tg.start_soon(analyzer.probe.run)
            try:
                return await _watch(analyzer, version, ticks, until, abort_check, on_analysis, max_ticks)
            finally:
                tg.cancel_scope.cancel()
    return await _watch(analyzer, version, ticks, until, abort_check, on_analysis, max_ticks)


async def _watch(
    analyzer: Analyzer,
    version: str,
    ticks: int | None,
    until: float | None,
    abort_check: AbortCheck | None,
    on_analysis: OnAnalysis | None,
    max_ticks: int,
) -> Verdict:
    limits = analyzer.limits
    streak = Streak(limits)
    verdict = Verdict(ok=True)
    done = 0
    next_tick = time.monotonic()
    while done < max_ticks:
        if abort_check is not None and (reason := await abort_check()):
            verdict.ok, verdict.reason = False, reason
            return verdict
        next_tick += limits.interval_s  # a fixed cadence: the analyses' own time does not add up
        await anyio.sleep(max(0.0, next_tick - time.monotonic()))  # traffic to judge accrues
        analysis = await analyzer.analyze(version, limits.interval_s)
        verdict.analyses.append(analysis)
        done += 1
        if on_analysis is not None:
            await on_analysis(analysis)
        if streak.add(analysis):
            verdict.ok = False
            verdict.breach_at = streak.since_wall
            verdict.reason = (
                f"{streak.count} consecutive failed analyses of {version} "
                f"(limit {limits.failure_limit}): {analysis.describe()}"
            )
            return verdict
        if abort_check is not None and (reason := await abort_check()):
            verdict.ok, verdict.reason = False, reason
            return verdict
        finished = (ticks is None or done >= ticks) and (until is None or time.monotonic() >= until)
        if finished and streak.count == 0:
            return verdict
    verdict.reason = f"{version} kept failing analyses intermittently for {done} analyses"
    verdict.ok = False
    return verdict
