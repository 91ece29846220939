"""What a capability gets to do its task; it never talks to Redis directly."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blackboard import Artifact, Board, Cache, Claim, NotFound, Run, Task, TaskSpec

from .errors import TaskFailed
from .host import Host

if TYPE_CHECKING:
    from .config.models import OrchestraConfig, Service


class Context:
    """The task's window on the board and its host: source, config, artifacts, events, growth.

    Every write is fenced by the task's token, so a peer that lost the lease can no longer
    change what the new owner produces.
    """

    def __init__(self, board: Board, task: Claim, peer_id: str, host: Host | None = None) -> None:
        self._board = board
        self.task = task
        self.peer_id = peer_id
        self.host = host or Host.at()
        self.log = logging.LoggerAdapter(
            logging.getLogger(f"capabilities.{task.capability}"),
            {"task": task.task_id, "peer": peer_id},
        )
        self._run: Run | None = None
        self._config: OrchestraConfig | None = None
        self._checkouts: list[Path] = []

    # -- the run ---------------------------------------------------------------------------

    async def run(self) -> Run:
        if self._run is None:
            self._run = await self._board.runs.get(self.task.run_id)
        return self._run

    async def tasks(self) -> list[Task]:
        return await self._board.runs.tasks(self.task.run_id)

    async def checkout(self) -> Path:
        """A private working copy of the run's source at its commit; removed after the task."""
        run = await self.run()
        if not run.meta.repo or not run.meta.commit:
            raise TaskFailed(f"run {run.id} names no repository and commit to check out")
        # the folder carries the repository's name: detection names a single service after it
        name = run.meta.labels.get("project") or "src"
        home = self.host.workspaces.work / f"{self.task.task_id.replace(':', '_')}-{self.task.token}"
        self._checkouts.append(home)
        return await self.host.workspaces.checkout(run.meta.repo, run.meta.commit, home / name)

    async def config(self) -> OrchestraConfig:
        """The run's resolved ``devops_orchestra.yaml`` (the plan task stored it)."""
        if self._config is None:
            from .config.models import OrchestraConfig

            try:
                raw = await self._board.artifacts.get(self.task.run_id, "config.json")
            except NotFound:
                raise TaskFailed("the run has no config.json: was it planned?") from None
            self._config = OrchestraConfig.model_validate_json(raw)
        return self._config

    async def service(self) -> Service:
        """The config's entry for the service this task works on (its ``service`` input)."""
        name = str(self.task.inputs.get("service", ""))
        try:
            return (await self.config()).service(name)
        except KeyError:
            raise TaskFailed(f"no service {name!r} in devops_orchestra.yaml") from None

    async def live_capabilities(self) -> set[str]:
        return await self._board.peers.live_capabilities()

    @property
    def cache(self) -> Cache:
        """The board's shared cache (LLM answers by prompt hash)."""
        return self._board.cache

    async def history(self, name: str, limit: int = 100) -> list[dict[str, Any]]:
        """A ledger that outlives runs (``deploys:<project>:<service>``), newest first."""
        return await self._board.ledger.read(name, limit)

    async def record(self, name: str, entry: dict[str, Any]) -> dict[str, Any]:
        """Append to a ledger (stamped with the run and task)."""
        return await self._board.ledger.append(
            name, {"run": self.task.run_id, "task": self.task.spec, **entry}
        )

    # -- writing -----------------------------------------------------------------------------

    async def put_artifact(
        self,
        name: str,
        data: bytes | str,
        *,
        content_type: str = "application/octet-stream",
        meta: dict[str, Any] | None = None,
    ) -> Artifact:
        return await self._board.artifacts.put(
            self.task.run_id, name, data, content_type=content_type, meta=meta, claim=self.task
        )

    async def get_artifact(self, name: str) -> bytes:
        return await self._board.artifacts.get(self.task.run_id, name)

    async def artifacts(self) -> list[Artifact]:
        return await self._board.artifacts.all(self.task.run_id)

    async def emit(self, kind: str, data: dict[str, Any] | None = None) -> None:
        await self._board.events.emit(kind, self.task.run_id, self.task.task_id, data)

    async def add_tasks(
        self,
        specs: Sequence[TaskSpec],
        *,
        before: Mapping[str, Sequence[str]] | None = None,
        takeover: str | None = None,
    ) -> int:
        """Grow this task's run (the plan, a rollback after a failed canary, a corrected build).
        ``takeover``: a new task that takes over this task's dependents (healing)."""
        return await self._board.runs.add_tasks(
            self.task.run_id, specs, before=before, parent=self.task, takeover=takeover
        )

    async def close(self) -> None:
        """Remove the task's working copies (unless the host keeps them)."""
        if not self.host.keep_workspaces:
            for path in self._checkouts:
                await self.host.workspaces.remove(path)
        self._checkouts.clear()
