"""Gateway settings: built once by the CLI from flags and environment, passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from blackboard import BoardSettings

from ..errors import PeerError

MAX_BODY_BYTES = 25 * 1024 * 1024
"""GitHub caps a webhook payload at 25 MB; a bigger body is refused before it is read."""


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    """Where the gateway listens, the secrets it checks requests with, and the board it writes to.

    Environment: ``ORCHESTRA_GATEWAY_HOST``, ``ORCHESTRA_GATEWAY_PORT``, ``ORCHESTRA_WEBHOOK_SECRET``
    (or ``GITHUB_WEBHOOK_SECRET``), ``ORCHESTRA_API_TOKEN``, ``ORCHESTRA_MAX_BODY_BYTES``.
    The secrets are left out of ``repr`` so they cannot reach a log line by accident.
    """

    board: BoardSettings
    host: str = "127.0.0.1"
    port: int = 8080
    webhook_secret: str | None = field(default=None, repr=False)
    """Webhooks are refused (503) until it is set: an unsigned delivery is never accepted."""
    api_token: str | None = field(default=None, repr=False)
    """Bearer token of the write API; without one the write routes answer 503."""
    max_body_bytes: int = MAX_BODY_BYTES
    log_level: str = "info"
    access_log: bool = False
    graceful_shutdown_s: float = 10.0
    """On SIGTERM, how long requests in flight may take before the server stops anyway."""

    @classmethod
    def from_env(
        cls, board: BoardSettings, env: Mapping[str, str] | None = None, **flags: Any
    ) -> GatewaySettings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        if raw := env.get("ORCHESTRA_GATEWAY_HOST"):
            values["host"] = raw
        if raw := env.get("ORCHESTRA_GATEWAY_PORT"):
            values["port"] = _int("ORCHESTRA_GATEWAY_PORT", raw)
        if raw := env.get("ORCHESTRA_WEBHOOK_SECRET") or env.get("GITHUB_WEBHOOK_SECRET"):
            values["webhook_secret"] = raw
        if raw := env.get("ORCHESTRA_API_TOKEN"):
            values["api_token"] = raw
        if raw := env.get("ORCHESTRA_MAX_BODY_BYTES"):
            values["max_body_bytes"] = _int("ORCHESTRA_MAX_BODY_BYTES", raw)
        values.update({k: v for k, v in flags.items() if v is not None})
        settings = cls(board=board, **values)
        settings.check()
        return settings

    def with_(self, **changes: Any) -> GatewaySettings:
        return replace(self, **changes)

    def check(self) -> None:
        if not 0 <= self.port <= 65535:
            raise PeerError(f"port {self.port} is not a TCP port")
        if self.max_body_bytes < 1:
            raise PeerError("ORCHESTRA_MAX_BODY_BYTES must be at least 1")


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise PeerError(f"{name}={raw!r} is not a number") from None
