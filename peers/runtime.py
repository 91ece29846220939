"""A peer: advertises what it can do, claims matching tasks, runs them, reports back.

Composed of small pieces under one anyio task group: the claim loop (here), the lease
keeper, the reaper, the heartbeat and the outbox. On SIGTERM (or ``stop()``) it stops
claiming, lets in-flight work finish for a grace period, then releases what is left so
another peer takes it at once instead of after the lease.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import time
import traceback
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

import anyio
import anyio.lowlevel
from anyio.abc import TaskGroup

from blackboard import (
    TRANSIENT_ERRORS,
    Board,
    Claim,
    Failure,
    Fenced,
    Outcome,
    PeerInfo,
    Settled,
    Success,
)
from capabilities import Capability, Context, Result, TaskFailed
from capabilities.heal import request_healing
from capabilities.host import Host

from ._backoff import Backoff
from ._inflight import Held, InFlight
from ._outbox import Outbox
from .catalog import Catalog
from .errors import NothingToServe, PeerError
from .heartbeat import HeartbeatLoop
from .lease import LeaseKeeper
from .reaper import Reaper
from .settings import PeerSettings
from .stats import PeerStats
from .telemetry import AttemptSpans, PeerMetrics, outcome_label

log = logging.getLogger(__name__)


def package_version() -> str:
    try:
        return version("devops-orchestra")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def default_peer_id(name: str | None) -> str:
    return name or f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(2)}"


async def advertisable(catalog: Catalog, names: Sequence[str]) -> list[Capability]:
    """The requested capabilities this host can really run (``available()`` in a thread)."""
    chosen: list[Capability] = []
    for name in names:
        cap = catalog.get(name)
        availability = await anyio.to_thread.run_sync(cap.available)
        if availability.ok:
            chosen.append(cap)
        else:
            log.warning("not advertising %s: %s", name, availability.reason)
    if not chosen:
        raise NothingToServe(f"none of the requested capabilities ({', '.join(names)}) is available here")
    return chosen


class Peer:
    def __init__(
        self,
        board: Board,
        settings: PeerSettings,
        capabilities: Sequence[Capability],
        host: Host | None = None,
        metrics: PeerMetrics | None = None,
    ) -> None:
        self.board = board
        self.settings = settings
        self.host = host or Host.at(settings.cache_dir)
        self.id = default_peer_id(settings.name)
        self._caps = {c.name: c for c in capabilities}
        self.stats = PeerStats()
        self.inflight = InFlight(settings.concurrency)
        self.info = PeerInfo(
            id=self.id,
            host=socket.gethostname(),
            pid=os.getpid(),
            version=package_version(),
            capabilities=sorted(self._caps),
            tags=dict(settings.tags),
            concurrency=settings.concurrency,
            started_ms=time.time_ns() // 1_000_000,
        )
        self._stop = anyio.Event()
        self._force = anyio.Event()
        self._ready = anyio.Event()
        self._work: TaskGroup | None = None
        self._outbox = Outbox(board, self.id, self._settled)
        self._heartbeat = HeartbeatLoop(
            board, self.info, self.inflight, self.stats, settings.heartbeat_interval_s
        )
        self._attempts = AttemptSpans(self.id)
        self.metrics = metrics
        if metrics is not None:
            metrics.bind(self)

    # -- lifecycle -----------------------------------------------------------------------

    async def run(self, *, handle_signals: bool = False) -> None:
        """Serve until ``stop()`` (or SIGTERM/SIGINT with ``handle_signals``)."""
        names = sorted(self._caps)
        existing = await self.board.peers.heartbeat(self.id)
        if existing is not None:
            raise PeerError(f"a live peer already uses the id {self.id!r}")
        await self.board.tasks.ensure_groups(names)
        await self._heartbeat.beat()
        log.info(
            "peer %s serving %s (concurrency %d, lease %d ms)",
            self.id,
            ", ".join(names),
            self.settings.concurrency,
            self.board.settings.lease_ms,
        )
        lease = LeaseKeeper(self.board, self.id, self.inflight, self.stats, self.settings.renew_interval_s)
        reaper = Reaper(
            self.board,
            self.id,
            names,
            self.inflight,
            self.stats,
            self._spawn,
            self.settings.reap_interval_s,
            self.settings.prune_interval_s,
        )
        async with anyio.create_task_group() as service:
            service.start_soon(self._outbox.run)
            service.start_soon(lease.run)
            service.start_soon(self._heartbeat.run)
            if handle_signals:
                service.start_soon(self._signals)
            async with anyio.create_task_group() as work:
                self._work = work
                intake_done = anyio.Event()
                work.start_soon(self._intake, reaper, intake_done)
                self._ready.set()
                await self._stop.wait()
                await self._drain(intake_done)
            with anyio.move_on_after(5):
                await self.inflight.wait_idle()  # the last outcomes reach the board
            service.cancel_scope.cancel()
        with anyio.CancelScope(shield=True), anyio.move_on_after(2):
            try:
                await self.board.peers.deregister(self.id)
            except TRANSIENT_ERRORS:
                pass
        log.info(
            "peer %s stopped: %d succeeded, %d failed, %d released",
            self.id,
            self.stats.succeeded,
            self.stats.failed,
            self.stats.released,
        )

    async def wait_ready(self) -> None:
        await self._ready.wait()

    def stop(self, *, force: bool = False) -> None:
        """Stop claiming and shut down gracefully (``force``: release in-flight work now)."""
        self._stop.set()
        if force:
            self._force.set()

    async def _signals(self) -> None:
        with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            async for signum in signals:
                if self._stop.is_set():
                    log.warning("second %s: releasing in-flight tasks now", signal.Signals(signum).name)
                    self.stop(force=True)
                else:
                    log.info(
                        "%s: no more claims; %d task(s) get %.0fs to finish",
                        signal.Signals(signum).name,
                        self.inflight.running,
                        self.settings.grace_s,
                    )
                    self.stop()

    async def _intake(self, reaper: Reaper, done: anyio.Event) -> None:
        """Everything that brings tasks in: the claim loop and the reaper."""
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._claim_loop)
            tg.start_soon(reaper.run, self._stop)
        done.set()

    async def _drain(self, intake_done: anyio.Event) -> None:
        self._heartbeat.state = "draining"
        with anyio.move_on_after(self.settings.grace_s):
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._cut_grace_short, tg)
                await self.inflight.wait_idle()
                tg.cancel_scope.cancel()
        # a claim call still waiting for work ends within block_ms; after it, nothing new comes in,
        # so what is released now cannot come straight back to this peer
        await intake_done.wait()
        held = self.inflight.release_all()
        if held:
            await self._release([h.claim for h in held])

    async def _cut_grace_short(self, tg: TaskGroup) -> None:
        await self._force.wait()
        tg.cancel_scope.cancel()

    async def _release(self, claims: list[Claim]) -> None:
        with anyio.CancelScope(shield=True):
            try:
                n = await self.board.tasks.release(self.id, claims)
            except TRANSIENT_ERRORS as exc:
                log.warning(
                    "could not release %d task(s) (%s); they return after their lease", len(claims), exc
                )
                return
            self.stats.released += n
            log.info("released %d unfinished task(s) for other peers", n)

    # -- claiming and running ------------------------------------------------------------

    async def _claim_loop(self) -> None:
        claimer = self.board.tasks.claimer(self.id, sorted(self._caps))
        backoff = Backoff()
        while not self._stop.is_set():
            await self.inflight.wait_free()
            try:
                claims = await claimer.claim(self.inflight.free, self.settings.block_ms)
            except TRANSIENT_ERRORS as exc:
                if not backoff.failing:
                    log.warning("board unreachable (%s); reconnecting with backoff", exc)
                await backoff.wait()
                continue
            if backoff.failing:
                log.info("board reachable again")
                backoff.reset()
            if self._stop.is_set() and claims:
                await self._release(claims)
                return
            for claim in claims:
                self._spawn(claim)
            if claims:
                await anyio.lowlevel.checkpoint()  # let the handlers start before the next claim call

    def _spawn(self, claim: Claim) -> None:
        assert self._work is not None
        self.stats.claimed += 1
        held = self.inflight.start(claim)
        self._work.start_soon(self._execute, held, name=claim.task_id)

    async def _execute(self, held: Held) -> None:
        claim = held.claim
        outcome: Outcome | None = None
        started = time.perf_counter()
        with self._attempts.start(claim) as attempt:  # a span per attempt when tracing is on
            try:
                with held.scope:
                    outcome = await self._handle(claim)
            finally:
                if held.lost or held.released:
                    outcome = None
                self.inflight.finish(held, outcome_queued=outcome is not None)
                label = outcome_label(outcome, lost=held.lost, released=held.released)
                if attempt is not None:
                    attempt.finish(label, outcome)
                if self.metrics is not None:
                    self.metrics.task_finished(claim.capability, label, time.perf_counter() - started)
        if outcome is not None:
            self._outbox.put(outcome)

    async def _handle(self, claim: Claim) -> Outcome | None:
        cap = self._caps[claim.capability]
        ctx = Context(self.board, self._attempts.traced(claim), self.id, self.host)
        try:
            result = await cap.run(claim, ctx)
        except TaskFailed as exc:
            # a failure may say it is not worth healing (a canary rolled back on purpose)
            healable = getattr(exc, "healable", True)
            healed_by = await request_healing(ctx, claim, str(exc)) if healable else None
            if healed_by:
                log.info("%s failed; %s retries it after a diagnosis", claim.task_id, healed_by)
            return Failure(claim, str(exc), retryable=exc.retryable and not healed_by)
        except Fenced as exc:
            log.warning("%s: a write was fenced off (%s); dropping the task", claim.task_id, exc)
            return None
        except Exception as exc:
            return Failure(claim, traceback.format_exc(), summary=f"{type(exc).__name__}: {exc}"[:300])
        finally:
            with anyio.CancelScope(shield=True):
                await ctx.close()
        return Success(claim, result.encode() if isinstance(result, Result) else result)

    def _settled(self, outcome: Outcome, settled: Settled | None) -> None:
        self.inflight.settled(outcome.claim.task_id)
        if settled is None:
            return
        if not settled.accepted:
            self.stats.refused += 1
            log.warning("the board refused the outcome of %s: %s", settled.task_id, settled.detail)
        elif settled.detail == "retrying":
            self.stats.retried += 1
        elif isinstance(outcome, Success):
            self.stats.succeeded += 1
        else:
            self.stats.failed += 1
