"""Rolling a service back: all traffic to the last healthy version of its deploy history
(started again from its release if it is no longer running), the bad version stopped, the
history entry marked rolled_back, and a ``rollback`` event with the reason and the metrics
that crossed their limits."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..config.models import Service
from ..context import Context
from ..deploy.history import DeployRecord, History
from ..deploy.materialize import materialize
from ..deploy.runtimes import Instance, RoutedRuntime
from ..release import Release
from ..router import VersionRoute

log = logging.getLogger(__name__)

HEALTH_TIMEOUT_S = 60.0


@dataclass
class RollbackOutcome:
    service: str
    bad: str
    to: str | None
    reason: str
    metrics: dict[str, Any] = field(default_factory=dict)
    switch_s: float = 0.0
    """Seconds from the decision to all traffic on ``to``."""
    restarted: bool = False
    """``to`` was no longer running and had to be started from its release."""

    def encode(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "from": self.bad,
            "to": self.to,
            "reason": self.reason,
            "metrics": self.metrics,
            "switch_s": round(self.switch_s, 3),
            "restarted": self.restarted,
        }


async def ensure_running(
    ctx: Context,
    runtime: RoutedRuntime,
    service: Service,
    target: DeployRecord,
    secret_names: Sequence[str] = (),
) -> tuple[list[Instance], bool]:
    """The target version's running instances, started from its release when short of replicas."""
    live = [i for i in await runtime.instances() if i.version == target.version and await runtime.running(i)]
    missing = service.replicas - len(live)
    if missing <= 0:
        return live, False
    release = Release.model_validate(target.release)
    app = await materialize(ctx, release, service, secret_names)
    taken = {i.replica for i in live}
    started: list[Instance] = []
    for replica in [r for r in range(service.replicas) if r not in taken][:missing]:
        started.append(await runtime.start(app, "stable", replica))
    for instance in started:  # all are starting already: waiting in turn costs the slowest
        await runtime.wait_healthy(instance, app.health, HEALTH_TIMEOUT_S)
    return live + started, True


async def roll_back(
    ctx: Context,
    runtime: RoutedRuntime,
    history: History,
    service: Service,
    *,
    bad: str,
    reason: str,
    metrics: dict[str, Any] | None = None,
    secret_names: Sequence[str] = (),
    bad_release: dict[str, Any] | None = None,
    drain_s: float = 30.0,
) -> RollbackOutcome:
    """Traffic back to the last healthy version other than ``bad``; ``bad`` stopped and marked."""
    started = time.monotonic()
    target = await history.last_healthy(exclude=bad)
    outcome = RollbackOutcome(service.name, bad, target.version if target else None, reason, metrics or {})
    if bad_release is None:
        entries = await history.entries(20)
        bad_release = next((e.release for e in entries if e.version == bad and e.release), {})
    if target is not None:
        live, outcome.restarted = await ensure_running(ctx, runtime, service, target, secret_names)
        route = VersionRoute(version=target.version, weight=1, upstreams=tuple(i.address for i in live))
        await runtime.route([route], stable=target.version)
        outcome.switch_s = time.monotonic() - started
        for instance in live:
            await runtime.mark(instance, track="stable", retire_at=None)
        log.warning("%s rolled back from %s to %s: %s", service.name, bad, target.version, reason)
    else:
        log.error("%s: no healthy version to roll back to; %s keeps serving (%s)", service.name, bad, reason)
    await history.record(
        DeployRecord(
            version=bad,
            status="rolled_back" if target is not None else "failed",
            healthy=False,
            track="canary",
            release=bad_release,
            url=runtime.url,
            runtime=runtime.name,
            reason=reason,
            to=outcome.to,
            metrics=outcome.metrics,
        )
    )
    await ctx.emit("rollback", outcome.encode())
    if target is not None:
        for instance in [i for i in await runtime.instances() if i.version == bad]:
            await runtime.stop(instance, drain_s=drain_s)
    return outcome
