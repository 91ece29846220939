"""Feedback settings: built once by the CLI (or the gateway) from flags and environment.

Environment: ``GITHUB_TOKEN`` (or ``ORCHESTRA_GITHUB_TOKEN``), ``GITHUB_API_URL`` (GitHub
Enterprise: ``https://github.example.com/api/v3``), ``ORCHESTRA_FEEDBACK_GROUP``,
``ORCHESTRA_FEEDBACK_CONSUMER``, ``ORCHESTRA_PUBLIC_URL`` (where the gateway's run API answers,
for the statuses' links). The token is left out of ``repr``: it cannot reach a log line by accident.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from blackboard import BoardSettings

from .errors import FeedbackError

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_GROUP = "github-feedback"


@dataclass(frozen=True, slots=True)
class FeedbackSettings:
    board: BoardSettings
    token: str = field(default="", repr=False)
    api_url: str = DEFAULT_API_URL
    group: str = DEFAULT_GROUP
    """The consumer group on the events stream: replicas share it, so each event is handled once."""
    consumer: str = field(default_factory=socket.gethostname)
    """This replica's name in the group; keep it across restarts, so unacked events come back."""
    public_url: str | None = None
    """Base URL of the gateway; statuses link to ``{public_url}/api/runs/{run}``."""
    block_ms: int = 1000
    retry_s: float = 15.0
    """How soon an update GitHub refused for a while (5xx, rate limit) is tried again."""
    timeout_s: float = 10.0
    """Per GitHub request."""

    @classmethod
    def from_env(
        cls, board: BoardSettings, env: Mapping[str, str] | None = None, **flags: Any
    ) -> FeedbackSettings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        if raw := env.get("GITHUB_TOKEN") or env.get("ORCHESTRA_GITHUB_TOKEN"):
            values["token"] = raw.strip()
        if raw := env.get("GITHUB_API_URL"):
            values["api_url"] = raw.strip()
        if raw := env.get("ORCHESTRA_FEEDBACK_GROUP"):
            values["group"] = raw.strip()
        if raw := env.get("ORCHESTRA_FEEDBACK_CONSUMER"):
            values["consumer"] = raw.strip()
        if raw := env.get("ORCHESTRA_PUBLIC_URL"):
            values["public_url"] = raw.strip()
        values.update({k: v for k, v in flags.items() if v is not None})
        settings = cls(board=board, **values)
        settings.check()
        return settings

    @property
    def configured(self) -> bool:
        """A token is set: feedback can be posted."""
        return bool(self.token)

    def with_(self, **changes: Any) -> FeedbackSettings:
        return replace(self, **changes)

    def check(self) -> None:
        if not self.api_url.startswith(("https://", "http://")):
            raise FeedbackError(f"GITHUB_API_URL={self.api_url!r} is not an http(s) URL")
        if self.public_url is not None and not self.public_url.startswith(("https://", "http://")):
            raise FeedbackError(f"ORCHESTRA_PUBLIC_URL={self.public_url!r} is not an http(s) URL")
        if not self.group or not self.consumer:
            raise FeedbackError("the feedback's consumer group and consumer name must not be empty")
