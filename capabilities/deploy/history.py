"""A service's deploy history: the ledger ``deploys:<project>:<service>`` (newest first).

Entries are appended, never changed: a version is promoted (healthy, serving), then maybe
rolled back or failed in a later entry. The last healthy version is the newest promoted one
that no newer entry marked rolled back or failed.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from ..config.models import OrchestraConfig

Status = Literal["promoted", "rolled_back", "failed"]


class Ledger(Protocol):
    """The part of a Context the history needs."""

    async def history(self, name: str, limit: int = 100) -> list[dict[str, Any]]: ...

    async def record(self, name: str, entry: dict[str, Any]) -> dict[str, Any]: ...


def project_name(config: OrchestraConfig) -> str:
    return config.project.name or "default"


def ledger_name(project: str, service: str) -> str:
    return f"deploys:{project}:{service}"


class DeployRecord(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    version: str
    status: Status
    healthy: bool
    track: str = "stable"
    release: dict[str, Any] = Field(default_factory=dict)
    """The Release (capabilities.release) that was deployed: enough to start it again."""
    url: str = ""
    strategy: str = ""
    runtime: str = "local"
    reason: str = ""
    to: str | None = None
    """For a rollback: the version traffic went back to."""
    metrics: dict[str, Any] = Field(default_factory=dict)
    run: str = ""
    task: str = ""
    ts_ms: int = 0

    def encode(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"run", "task", "ts_ms"})


class History:
    def __init__(self, ledger: Ledger, project: str, service: str) -> None:
        self._ledger = ledger
        self.project = project
        self.service = service
        self.name = ledger_name(project, service)

    async def entries(self, limit: int = 100) -> list[DeployRecord]:
        return [DeployRecord.model_validate(e) for e in await self._ledger.history(self.name, limit)]

    async def record(self, entry: DeployRecord) -> DeployRecord:
        return DeployRecord.model_validate(await self._ledger.record(self.name, entry.encode()))

    async def last_healthy(self, exclude: str | None = None) -> DeployRecord | None:
        """The newest promoted, healthy version not rolled back since (other than ``exclude``)."""
        return last_healthy(await self.entries(), exclude)

    async def rolled_back_since(self, ts_ms: int) -> DeployRecord | None:
        """A rollback of this service recorded at or after ``ts_ms`` (for dependents' canaries)."""
        for entry in await self.entries(20):
            if entry.ts_ms < ts_ms:
                return None
            if entry.status == "rolled_back":
                return entry
        return None


def last_healthy(entries: list[DeployRecord], exclude: str | None = None) -> DeployRecord | None:
    bad: set[str] = set()
    for entry in entries:
        if entry.status in ("rolled_back", "failed"):
            bad.add(entry.version)
        elif entry.status == "promoted" and entry.healthy and entry.version not in bad:
            if entry.version != exclude:
                return entry
    return None
