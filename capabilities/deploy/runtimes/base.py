"""What a deploy runtime does, whatever runs the versions (processes, containers).

A runtime serves one service of one project: it starts a version's replicas on a track,
checks their health, routes traffic between versions by weight (through the service's
router), reads per-version statistics and resource usage, lists and stops instances, and
tears everything down.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from ...errors import TaskFailed
from ...router import RouteTable, VersionRoute

Track = Literal["stable", "canary"]


class InstanceFailed(TaskFailed):
    """A version's instance did not start or did not become healthy."""


@dataclass(frozen=True, slots=True)
class AppSpec:
    """A version ready to run: a command in a folder (local) or an image (docker)."""

    service: str
    version: str
    health: str = "/health"
    argv: tuple[str, ...] = ()
    cwd: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    """May hold secret values: never logged, never written to disk."""
    image: str | None = None
    container_port: int | None = None


@dataclass(frozen=True, slots=True)
class Instance:
    """One running replica of a version."""

    id: str
    service: str
    version: str
    track: str
    replica: int
    address: str
    """``host:port`` the router reaches it at."""
    started: float
    pid: int | None = None
    created: float | None = None
    """The process's start time: a pid is only signalled while it still matches."""
    container: str | None = None
    log: str | None = None
    retire_at: float | None = None
    """Wall-clock time after which a version that no longer gets traffic may be stopped."""

    def encode(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def decode(cls, raw: str) -> Instance:
        data: dict[str, Any] = json.loads(raw)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True, slots=True)
class Usage:
    cpu_percent: float
    memory_mb: float


class Runtime(Protocol):
    name: str
    service: str

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<listen port>``: where the service is served."""
        ...

    async def prepare(self) -> str:
        """Start (or find) the service's router; returns its URL."""
        ...

    async def start(self, app: AppSpec, track: Track, replica: int) -> Instance: ...

    async def wait_healthy(self, instance: Instance, path: str, timeout_s: float) -> None: ...

    async def healthy(self, instance: Instance, path: str) -> bool: ...

    async def running(self, instance: Instance) -> bool: ...

    async def stop(self, instance: Instance, *, drain_s: float = 30.0) -> None: ...

    async def route(self, routes: Sequence[VersionRoute], stable: str | None) -> RouteTable: ...

    async def table(self) -> RouteTable: ...

    async def stats(self, window_s: float) -> dict[str, Any]: ...

    async def instances(self) -> list[Instance]: ...

    async def usage(self, instances: Sequence[Instance]) -> dict[str, Usage]: ...

    async def mark(self, instance: Instance, *, track: str, retire_at: float | None) -> Instance: ...

    async def teardown(self) -> None: ...
