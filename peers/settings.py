"""Peer settings: built once by the CLI from flags and environment, passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from blackboard import BoardSettings

from .errors import PeerError


@dataclass(frozen=True, slots=True)
class PeerSettings:
    board: BoardSettings
    capabilities: tuple[str, ...] = ()
    concurrency: int = 4
    tags: Mapping[str, str] = field(default_factory=dict)
    name: str | None = None
    """Peer id; by default ``{host}-{pid}-{random}``."""
    grace_s: float = 30.0
    """On SIGTERM, how long in-flight tasks may go on before they are released."""
    block_ms: int = 1000
    """How long one claim call waits for work (also bounds how fast a stop is noticed)."""
    reap_interval_ms: int | None = None
    """How often expired leases and due retries are looked for; lease/4 (at most 500 ms) by default."""
    prune_interval_s: float = 60.0
    cache_dir: Path | None = None
    """Workspaces and mirrors; ``ORCHESTRA_CACHE_DIR`` or ``~/.cache/devops-orchestra`` by default."""

    @classmethod
    def from_env(
        cls, board: BoardSettings, env: Mapping[str, str] | None = None, **flags: object
    ) -> PeerSettings:
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        if raw := env.get("ORCHESTRA_CAPABILITIES"):
            values["capabilities"] = parse_list(raw)
        if raw := env.get("ORCHESTRA_CONCURRENCY"):
            values["concurrency"] = _int("ORCHESTRA_CONCURRENCY", raw)
        if raw := env.get("ORCHESTRA_TAGS"):
            values["tags"] = parse_tags(parse_list(raw))
        if raw := env.get("ORCHESTRA_PEER_NAME"):
            values["name"] = raw
        if raw := env.get("ORCHESTRA_GRACE_S"):
            values["grace_s"] = float(raw)
        values.update({k: v for k, v in flags.items() if v is not None})
        settings = cls(board=board, **values)  # type: ignore[arg-type]
        if settings.concurrency < 1:
            raise PeerError("concurrency must be at least 1")
        return settings

    @property
    def reap_interval_s(self) -> float:
        ms = self.reap_interval_ms or min(self.board.lease_ms // 4, 500)
        return ms / 1000

    @property
    def renew_interval_s(self) -> float:
        return self.board.lease_ms / 3 / 1000

    @property
    def heartbeat_interval_s(self) -> float:
        return self.board.peer_ttl_ms / 3 / 1000


def parse_list(raw: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in raw.split(",") if x.strip())


def parse_tags(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise PeerError(f"tag {item!r} is not key=value")
        tags[key.strip()] = value.strip()
    return tags


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise PeerError(f"{name}={raw!r} is not a number") from None
