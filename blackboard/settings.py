"""Board settings: one typed object, built once at the entry point and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from .errors import BoardError


@dataclass(frozen=True, slots=True)
class BoardSettings:
    """How to reach the board and the rules it enforces.

    Every field reads from ``ORCHESTRA_<FIELD>`` (upper case); ``redis_url`` also from
    ``REDIS_URL``. With no URL the board is embedded (in-process, not persistent).
    """

    redis_url: str | None = None
    namespace: str = "orch"
    partitions: int = 1
    lease_ms: int = 15_000
    """A claim is a lease of this long; the owner renews it every third of it."""
    max_attempts: int = 3
    """Deliveries of one task before it goes to the dead-letter stream."""
    retry_backoff_ms: int = 1_000
    """Delay before the first retry of a retryable failure; doubles on each attempt."""
    retry_backoff_max_ms: int = 60_000
    run_budget: int = 20
    """How many tasks a running run may add to itself (self-correction terminates)."""
    events_maxlen: int = 100_000
    """Approximate length the events stream of each partition is trimmed to."""
    artifact_max_bytes: int = 8 * 1024 * 1024
    dedupe_ttl_s: int = 7 * 24 * 3600
    peer_ttl_ms: int = 10_000
    """A peer whose heartbeat is older than this is not alive."""
    connect_timeout_s: int = 30
    """How long a long-running process (peer, gateway) waits for Redis at start-up."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> BoardSettings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"ORCHESTRA_{f.name.upper()}")
            if f.name == "redis_url":
                raw = raw or env.get("REDIS_URL")
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f.name, raw, int if f.type == "int" else str)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.check()
        return settings

    def with_(self, **changes: Any) -> BoardSettings:
        return replace(self, **changes)

    def check(self) -> None:
        if self.partitions < 1:
            raise BoardError("ORCHESTRA_PARTITIONS must be at least 1")
        if self.lease_ms < 100:
            raise BoardError("ORCHESTRA_LEASE_MS must be at least 100 ms")
        if self.max_attempts < 1:
            raise BoardError("ORCHESTRA_MAX_ATTEMPTS must be at least 1")
        if not self.namespace or any(c in self.namespace for c in "{}: "):
            raise BoardError(f"namespace {self.namespace!r} may not be empty or hold '{{}}: '")

    @property
    def embedded(self) -> bool:
        return not self.redis_url


def _coerce(name: str, raw: str, kind: type) -> Any:
    try:
        return kind(raw)
    except ValueError:
        raise BoardError(f"ORCHESTRA_{name.upper()}={raw!r} is not a valid {kind.__name__}") from None
