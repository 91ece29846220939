"""Run one stage of the pipeline for real: a repository snapshot, a run on a real board whose
config.json is in place, and an in-process peer serving the capability under test."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blackboard import Artifact, Board, Run, RunMeta, Task, TaskSpec
from capabilities import Capability
from capabilities.config import OrchestraConfig, resolve_config
from capabilities.host import default_cache_dir
from capabilities.source import snapshot

from .peers import running_peer


@dataclass
class StageRun:
    run: Run
    task: Task
    artifacts: dict[str, Artifact]
    board: Board

    async def artifact(self, name: str) -> bytes:
        return await self.board.artifacts.get(self.run.id, name)

    @property
    def data(self) -> dict[str, Any]:
        assert isinstance(self.task.result, dict), self.task.error
        return dict(self.task.result.get("data", {}))


async def run_stage(
    board: Board,
    capability: Capability,
    repo: Path,
    *,
    service: str | None = None,
    config: OrchestraConfig | None = None,
    stage: str | None = None,
    kind: str = "deploy",
    extra: list[Capability] | None = None,
    inputs: dict[str, Any] | None = None,
    timeout_s: float = 300,
    heal: bool = False,
) -> StageRun:
    """Run ``capability`` once on ``repo`` (a directory, git or not) and return the outcome.

    ``service`` defaults to the only (or first) service of the resolved config. Without
    ``heal`` the run has no budget to grow, so a failure is not healed: the stage fails as is.
    """
    if config is None:
        config, _, _ = resolve_config(repo)
    name = service or config.deployment.services[0].name
    snap = await snapshot(repo, default_cache_dir())
    spec = TaskSpec(
        id=f"{stage or capability.name}:{name}",
        capability=capability.name,
        inputs={"service": name, "stage": stage or capability.name, "kind": kind, **(inputs or {})},
        max_attempts=1,
    )
    meta = RunMeta(
        trigger="test", repo=snap.repo, commit=snap.commit, branch=snap.branch, labels={"project": repo.name}
    )
    created = await board.runs.create([spec], meta, budget=None if heal else 0)
    await board.artifacts.put(
        created.run_id, "config.json", config.model_dump_json(), content_type="application/json"
    )
    async with running_peer(board, [capability, *(extra or [])]):
        run = await board.runs.wait(created.run_id, timeout_s=timeout_s)
    [task] = [t for t in await board.runs.tasks(created.run_id) if t.spec == spec.id]
    artifacts = {a.name: a for a in await board.artifacts.all(created.run_id)}
    return StageRun(run, task, artifacts, board)
