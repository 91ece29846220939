"""The DAG for an event: which stages, for which services, in which order.

    push to a deploy branch, or a manual run   analyze -> test, scan -> build -> provision
                                               -> deploy -> observe
    push to another branch                     analyze -> test, scan -> build   (CI only)
    pull request                               analyze -> test, scan            (never a deploy)

Every kind ends with a ``report`` that runs whatever the outcome. Services run in parallel;
``depends_on`` makes a service's deploy wait for its dependencies' deploy and analysis; a
push that names its changed paths plans only the services it touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from blackboard import TaskSpec

from ..config.models import STAGES, OrchestraConfig, Service, Stage
from .trigger import Trigger

Kind = Literal["deploy", "ci", "pr"]

KIND_STAGES: dict[Kind, tuple[Stage, ...]] = {
    "deploy": STAGES,
    "ci": ("analyze", "test", "scan", "build"),
    "pr": ("analyze", "test", "scan"),
}

# stages of one level run in parallel; a stage needs the nearest earlier level it planned
LEVELS: tuple[tuple[Stage, ...], ...] = (
    ("analyze",),
    ("test", "scan"),
    ("build",),
    ("provision",),
    ("deploy",),
    ("observe",),
)

REPORT = "report"


@dataclass(frozen=True)
class PlannedRun:
    kind: Kind
    specs: list[TaskSpec]
    services: list[str]
    stages: list[Stage]
    skipped: dict[str, str] = field(default_factory=dict)
    """Services not planned, with the reason (untouched by the push, filtered out)."""


def task_id(stage: str, service: str) -> str:
    return f"{stage}:{service}"


def kind_of(trigger: Trigger, config: OrchestraConfig) -> Kind:
    if trigger.event == "pull_request":
        return "pr"
    if trigger.event == "manual" or trigger.branch in config.pipeline.deploy_branches:
        return "deploy"
    return "ci"


def stages_for(kind: Kind, config: OrchestraConfig, only: tuple[str, ...] | None) -> list[Stage]:
    wanted = set(config.pipeline.stages) & set(KIND_STAGES[kind])
    if not config.testing.enabled:
        wanted.discard("test")
    if only is not None:
        wanted &= set(only)
    return [s for s in STAGES if s in wanted]


def needs_provision(service: Service, config: OrchestraConfig) -> bool:
    """Local services need no infrastructure unless the repository brings its own Terraform."""
    if config.infrastructure.tool == "none":
        return False
    return service.runtime != "local" or config.infrastructure.path is not None


def touched(service: Service, changed: tuple[str, ...] | None, all_paths: list[str]) -> bool:
    """Did the change touch this service? A change outside every service touches them all."""
    if changed is None:
        return True
    prefix = "" if service.path in ("", ".") else service.path.strip("/") + "/"
    for path in changed:
        if not prefix or path.startswith(prefix):
            return True
        if not any(p not in ("", ".") and path.startswith(p.strip("/") + "/") for p in all_paths):
            return True  # a shared file (the config, a root lockfile): everything is touched
    return False


def plan(config: OrchestraConfig, trigger: Trigger, *, root: str | None = "plan") -> PlannedRun:
    """The task specs of a pipeline; roots need ``root`` (the plan task itself)."""
    kind = kind_of(trigger, config)
    stages = stages_for(kind, config, trigger.only)
    services = config.deployment.services
    paths = [s.path for s in services]
    skipped: dict[str, str] = {}
    chosen: list[Service] = []
    for s in services:
        if trigger.services is not None and s.name not in trigger.services:
            skipped[s.name] = "not asked for"
        elif not touched(s, trigger.changed, paths):
            skipped[s.name] = "unchanged by this push"
        else:
            chosen.append(s)
    for name in trigger.services or ():
        if name not in {s.name for s in services}:
            skipped[name] = "no such service in devops_orchestra.yaml"

    planned_names = {s.name for s in chosen}
    specs: list[TaskSpec] = []
    for service in chosen:
        service_stages = [st for st in stages if st != "provision" or needs_provision(service, config)]
        previous: list[str] = [root] if root else []
        for level in LEVELS:
            here = [st for st in level if st in service_stages]
            if not here:
                continue
            for stage in here:
                needs = list(previous)
                if stage == "deploy":
                    needs += _dependency_gates(service, planned_names, service_stages)
                specs.append(
                    TaskSpec(
                        id=task_id(stage, service.name),
                        capability=stage,
                        inputs={"service": service.name, "stage": stage, "kind": kind},
                        needs=tuple(needs),
                        approval=stage in config.pipeline.approvals,
                        max_attempts=config.pipeline.max_attempts,
                    )
                )
            previous = [task_id(st, service.name) for st in here]
    specs.append(
        TaskSpec(
            id=REPORT,
            capability=REPORT,
            inputs={"kind": kind},
            needs=tuple([s.id for s in specs] or ([root] if root else [])),
            always=True,
            max_attempts=config.pipeline.max_attempts,
        )
    )
    return PlannedRun(kind, specs, [s.name for s in chosen], stages, skipped)


def _dependency_gates(service: Service, planned: set[str], stages: list[Stage]) -> list[str]:
    """A deploy waits for each dependency's analysis after its deploy (or its deploy)."""
    gates = []
    for dep in service.depends_on:
        if dep in planned:
            gates.append(task_id("observe" if "observe" in stages else "deploy", dep))
    return gates
