"""Configs for the test apps, and a run of several stages of one service (deploy then observe)
on a real board with an in-process peer — like ``run_stage``, with the tasks chained."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blackboard import Board, Event, Run, RunMeta, Task, TaskSpec
from capabilities import Capability
from capabilities.config import OrchestraConfig
from capabilities.host import default_cache_dir
from capabilities.source import snapshot
from tests.support.peers import running_peer


def app_service(name: str = "web", path: str = ".", **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "path": path,
        "runtime": "local",
        "command": "python app.py",
        "language": "python",
        "health": "/health",
        **fields,
    }


def app_config(
    project: str,
    *,
    strategy: str = "canary",
    steps: list[int] | None = None,
    interval: float = 0.5,
    failure_limit: int = 2,
    batch_size: int = 1,
    scale_down_delay: float = 0,
    replicas: int = 1,
    watch: float = 3,
    errors: float = 5,
    memory_mb: float | None = None,
    latency_ms: float = 1000,
    services: list[dict[str, Any]] | None = None,
) -> OrchestraConfig:
    """One test app service (``web``) unless ``services`` are given; fast analyses."""
    return OrchestraConfig.model_validate(
        {
            "project": {"name": project},
            "deployment": {
                "strategy": {
                    "type": strategy,
                    "steps": steps or [25, 50, 100],
                    "interval": interval,
                    "batch_size": batch_size,
                    "scale_down_delay": scale_down_delay,
                },
                "services": services or [app_service(replicas=replicas)],
            },
            "rollback": {"threshold": {"errors": errors, "cpu": 400, "memory_mb": memory_mb}},
            "observability": {
                "interval": interval,
                "failure_limit": failure_limit,
                "watch": watch,
                "alerts": {"latency": {"threshold_ms": latency_ms}, "error_rate": {"threshold": errors}},
            },
        }
    )


@dataclass
class PipelineRun:
    run: Run
    tasks: dict[str, Task]
    events: list[Event]

    def data(self, spec: str) -> dict[str, Any]:
        result = self.tasks[spec].result
        assert isinstance(result, dict), self.tasks[spec].error
        return dict(result.get("data", {}))

    def error(self, spec: str) -> str:
        return str(self.tasks[spec].error or "")

    def of_kind(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind]


async def run_stages(
    board: Board,
    capabilities: list[Capability],
    repo: Path,
    config: OrchestraConfig,
    *,
    service: str = "web",
    stages: tuple[str, ...] = ("deploy", "observe"),
    inputs: dict[str, Any] | None = None,
    timeout_s: float = 120,
) -> PipelineRun:
    snap = await snapshot(repo, default_cache_dir())
    specs: list[TaskSpec] = []
    previous: tuple[str, ...] = ()
    for stage in stages:
        spec = TaskSpec(
            id=f"{stage}:{service}",
            capability=stage,
            inputs={"service": service, "stage": stage, "kind": "deploy", **(inputs or {})},
            needs=previous,
            max_attempts=1,
        )
        specs.append(spec)
        previous = (spec.id,)
    created = await board.runs.create(
        specs,
        RunMeta(trigger="test", repo=snap.repo, commit=snap.commit, branch=snap.branch),
        budget=0,  # no self-healing here: a failed stage ends the run (the stage is what is tested)
    )
    await board.artifacts.put(
        created.run_id, "config.json", config.model_dump_json(), content_type="application/json"
    )
    async with running_peer(board, capabilities):
        run = await board.runs.wait(created.run_id, timeout_s=timeout_s)
    tasks = {t.spec: t for t in await board.runs.tasks(created.run_id)}
    return PipelineRun(run, tasks, await board.events.history(created.run_id))
