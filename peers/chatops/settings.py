"""ChatOps settings: built once by the CLI from flags and environment, passed down.

Secrets come from the environment only (``SLACK_BOT_TOKEN``, ``SLACK_SIGNING_SECRET``,
``SLACK_APP_TOKEN``), never from flags, so they do not show in the process list; they are left
out of ``repr`` so they cannot reach a log line by accident.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, get_args

from blackboard import BoardSettings
from capabilities.config.models import NotifyOn

from .errors import ChatOpsError

SLACK_API_URL = "https://slack.com/api/"
NOTIFY_KINDS: tuple[str, ...] = get_args(NotifyOn)


@dataclass(frozen=True, slots=True)
class ChatOpsSettings:
    """How the bot reaches Slack and the board, and what it says where.

    Environment: ``SLACK_BOT_TOKEN``, ``SLACK_SIGNING_SECRET`` (HTTP mode), ``SLACK_APP_TOKEN``
    (Socket Mode), ``SLACK_API_URL``, ``ORCHESTRA_CHATOPS_HOST`` / ``_PORT`` / ``_CHANNEL`` /
    ``_NOTIFY_ON`` (comma-separated) / ``_REPO`` / ``_CONFIG`` / ``_GROUP`` / ``_CONSUMER`` /
    ``_COMMAND`` / ``_SOCKET_MODE`` (1 or 0).
    """

    board: BoardSettings
    bot_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    """Checked by bolt on every HTTP request (Slack's v0 HMAC scheme, 5 minutes of clock skew)."""
    app_token: str | None = field(default=None, repr=False)
    """``xapp-...``: Socket Mode connects with it instead of receiving HTTP requests."""
    socket_mode: bool = False
    api_url: str = SLACK_API_URL
    """Slack's Web API; tests point it at a local server speaking the same API."""
    host: str = "127.0.0.1"
    port: int = 3000
    """0 picks a free port (tests)."""
    command: str = "/orchestra"
    channel: str | None = None
    """Where threads of runs not started from chat go; ``chatops.channel`` of the config otherwise."""
    notify_on: tuple[str, ...] | None = None
    """What is posted into a run's thread; ``chatops.notify_on`` of the config when unset."""
    repo: str | None = None
    """Clone URL ``/orchestra deploy`` fetches refs from; ``project.repo`` of the config otherwise."""
    config_path: Path | None = None
    """A trusted ``devops_orchestra.yaml`` (allow lists, channel); else the repository's default branch's."""
    config_refresh_s: float = 300.0
    """How often the config is read again (0: only at start)."""
    group: str = "chatops"
    """Consumer group on the board's events: replicas share it, so each event is notified once."""
    consumer: str = field(default_factory=socket.gethostname)
    """This replica's name in the group; a restart under the same name resumes its pending events."""
    cache_dir: Path | None = None
    """Mirrors of the repository; ``ORCHESTRA_CACHE_DIR`` by default."""
    workers: int = 4
    """Chat requests worked on at once after their ack (deploys resolve refs, post threads)."""
    thread_wait_s: float = 10.0
    """How long a notification waits for the thread a chat command is opening for its run."""
    read_block_ms: int = 500
    """How long one read of the events waits (also bounds how fast a stop is noticed)."""
    log_level: str = "info"
    access_log: bool = False
    graceful_shutdown_s: float = 10.0

    @classmethod
    def from_env(
        cls, board: BoardSettings, env: Mapping[str, str] | None = None, **flags: Any
    ) -> ChatOpsSettings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, var in (
            ("bot_token", "SLACK_BOT_TOKEN"),
            ("signing_secret", "SLACK_SIGNING_SECRET"),
            ("app_token", "SLACK_APP_TOKEN"),
            ("api_url", "SLACK_API_URL"),
            ("host", "ORCHESTRA_CHATOPS_HOST"),
            ("channel", "ORCHESTRA_CHATOPS_CHANNEL"),
            ("repo", "ORCHESTRA_CHATOPS_REPO"),
            ("group", "ORCHESTRA_CHATOPS_GROUP"),
            ("consumer", "ORCHESTRA_CHATOPS_CONSUMER"),
            ("command", "ORCHESTRA_CHATOPS_COMMAND"),
        ):
            if raw := env.get(var):
                values[name] = raw
        if raw := env.get("ORCHESTRA_CHATOPS_PORT"):
            values["port"] = _number("ORCHESTRA_CHATOPS_PORT", raw, int)
        if raw := env.get("ORCHESTRA_CHATOPS_NOTIFY_ON"):
            values["notify_on"] = parse_notify_on(raw)
        if raw := env.get("ORCHESTRA_CHATOPS_CONFIG"):
            values["config_path"] = Path(raw)
        if raw := env.get("ORCHESTRA_CHATOPS_SOCKET_MODE"):
            values["socket_mode"] = raw.strip().lower() in ("1", "true", "yes", "on")
        if raw := env.get("ORCHESTRA_CHATOPS_CONFIG_REFRESH_S"):
            values["config_refresh_s"] = _number("ORCHESTRA_CHATOPS_CONFIG_REFRESH_S", raw, float)
        values.update({k: v for k, v in flags.items() if v is not None})
        settings = cls(board=board, **values)
        settings.check()
        return settings

    def with_(self, **changes: Any) -> ChatOpsSettings:
        return replace(self, **changes)

    @property
    def api_base(self) -> str:
        """The Web API URL with the trailing slash the Slack SDK appends method names to."""
        return self.api_url if self.api_url.endswith("/") else self.api_url + "/"

    def secrets(self) -> list[str]:
        """Every secret value the bot holds, for redaction."""
        return [s for s in (self.bot_token, self.signing_secret, self.app_token) if s]

    def check(self) -> None:
        if not self.bot_token:
            raise ChatOpsError("no Slack bot token: set SLACK_BOT_TOKEN (xoxb-...)")
        if self.socket_mode and not self.app_token:
            raise ChatOpsError("Socket Mode needs an app-level token: set SLACK_APP_TOKEN (xapp-...)")
        if not self.socket_mode and not self.signing_secret:
            raise ChatOpsError(
                "HTTP mode needs the app's signing secret to verify requests: set SLACK_SIGNING_SECRET "
                "(or use Socket Mode with SLACK_APP_TOKEN)"
            )
        if not 0 <= self.port <= 65535:
            raise ChatOpsError(f"port {self.port} is not a TCP port")
        if not self.command.startswith("/") or len(self.command) < 2:
            raise ChatOpsError(f"the slash command {self.command!r} must start with /")
        if not self.api_url.startswith(("https://", "http://")):
            raise ChatOpsError(f"SLACK_API_URL {self.api_url!r} is not an http(s) URL")
        if self.workers < 1:
            raise ChatOpsError("the bot needs at least one worker")
        for kind in self.notify_on or ():
            if kind not in NOTIFY_KINDS:
                raise ChatOpsError(f"notify_on: {kind!r} is not one of {', '.join(NOTIFY_KINDS)}")


def parse_notify_on(raw: str) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in raw.split(",") if k.strip())
    for kind in kinds:
        if kind not in NOTIFY_KINDS:
            raise ChatOpsError(f"notify_on: {kind!r} is not one of {', '.join(NOTIFY_KINDS)}")
    return kinds


def _number(name: str, raw: str, kind: type[int] | type[float]) -> int | float:
    try:
        return kind(raw)
    except ValueError:
        raise ChatOpsError(f"{name}={raw!r} is not a number") from None
