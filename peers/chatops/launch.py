"""The runs chat commands start: a pipeline for ``deploy``, a ``rollback`` task for ``rollback``.

Both are deduplicated by the chat request's id (Slack's ``trigger_id``), so a request Slack or
a replica delivers twice starts one run.
"""

from __future__ import annotations

from dataclasses import dataclass

from blackboard import Board, RunMeta, TaskSpec
from blackboard.keys import task_id
from capabilities.config import OrchestraConfig
from capabilities.deploy.history import DeployRecord, last_healthy, ledger_name, project_name
from capabilities.plan import Trigger, start_pipeline
from capabilities.source import Workspaces

from ..telemetry import trigger_span
from .errors import ChatOpsError
from .messages import esc
from .source import resolve_ref

ROLLBACK_HISTORY = 200
"""Deploy records read to find the serving and the previous healthy version."""


@dataclass(frozen=True, slots=True)
class Launched:
    run_id: str
    created: bool
    """False when this request had already started the run (a repeated delivery)."""
    title: str
    """The headline of the run's thread."""
    summary: str
    """The answer posted into the thread."""


def check_service(config: OrchestraConfig, name: str) -> None:
    """Refuse a service the config does not have (a config with no services knows none to refuse)."""
    names = [s.name for s in config.deployment.services]
    if names and name not in names:
        raise ChatOpsError(f"there is no service {name!r}; the services are {', '.join(names)}")


async def launch_deploy(
    board: Board,
    workspaces: Workspaces,
    config: OrchestraConfig,
    *,
    repo: str,
    service: str,
    ref: str,
    user: str,
    request_id: str,
) -> Launched:
    """Resolve ``ref`` to a commit of ``repo`` and start a deploy pipeline of ``service`` on it."""
    check_service(config, service)
    resolved = await resolve_ref(workspaces, repo, ref)
    trigger = Trigger(
        event="manual",
        source="chat",
        repo=repo,
        commit=resolved.sha,
        branch=resolved.branch,
        name=config.project.name,
        services=(service,),
        sender=f"slack:{user}",
        delivery=request_id,
    )
    with trigger_span("slack", trigger) as root:
        created = await start_pipeline(
            board, trigger, dedupe_key=f"slack:{request_id}", traceparent=root.traceparent
        )
        root.run_created(created)
    code = f"`{esc(ref, 100)}` ({resolved.sha[:7]})"
    return Launched(
        created.run_id,
        created.created,
        f"Deploy of *{service}* at {code} · asked by <@{user}>",
        f"<@{user}> run `{created.run_id}` deploys *{service}* at {code}. This thread follows it.",
    )


async def launch_rollback(
    board: Board,
    config: OrchestraConfig,
    *,
    repo: str | None,
    service: str,
    version: str | None,
    user: str,
    request_id: str,
    config_source: str,
) -> Launched:
    """Start a run whose one task rolls ``service`` back, after checking there is somewhere to go.

    The rollback capability moves traffic from the serving version to the last healthy one
    before it; ``version`` may name either end of that move, and anything else is refused here
    rather than rolled somewhere the person did not ask for.
    """
    names = [s.name for s in config.deployment.services]
    if service not in names:
        known = f"; the services are {', '.join(names)}" if names else ""
        raise ChatOpsError(f"there is no service {service!r} in the config{known}")
    project = project_name(config)
    raw = await board.ledger.read(ledger_name(project, service), ROLLBACK_HISTORY)
    entries = [DeployRecord.model_validate(e) for e in raw]
    current = last_healthy(entries)
    if current is None:
        raise ChatOpsError(f"{service} has no healthy deployed version to roll back from")
    target = last_healthy(entries, exclude=current.version)
    if target is None:
        raise ChatOpsError(f"{service} has no healthy version before {current.version} to roll back to")
    if version is not None and version not in (current.version, target.version):
        raise ChatOpsError(
            f"a rollback moves {service} from {current.version} (serving) to {target.version} (the last "
            f"healthy version before it); {version} is neither"
        )
    spec = TaskSpec(
        id=f"rollback:{service}",
        capability="rollback",
        inputs={
            "service": service,
            "stage": "rollback",
            "kind": "deploy",
            "from": current.version,
            "version": target.version,
            "reason": f"asked by slack:{user} in Slack",
        },
        # the task waits until config.json is on the run (a peer could claim it before), then
        # the person who asked approves it: the record says who rolled back
        approval=True,
        max_attempts=1,
    )
    meta = RunMeta(trigger="chat:rollback", repo=repo or "", labels={"project": project, "service": service})
    attributes = {"orchestra.trigger.event": "rollback", "orchestra.repo": project}
    with trigger_span("slack", attributes=attributes) as root:
        created = await board.runs.create(
            [spec], meta, dedupe_key=f"slack:{request_id}", traceparent=root.traceparent
        )
        root.run_created(created)
    if created.created:
        await board.artifacts.put(
            created.run_id,
            "config.json",
            config.model_dump_json(indent=2),
            content_type="application/json",
            meta={"source": config_source},
        )
        await board.tasks.approve(task_id(created.run_id, spec.id), f"slack:{user}", "asked in Slack")
    move = f"from `{esc(current.version, 64)}` to `{esc(target.version, 64)}`"
    return Launched(
        created.run_id,
        created.created,
        f"Rollback of *{service}* {move} · asked by <@{user}>",
        f"<@{user}> run `{created.run_id}` rolls *{service}* back {move}.",
    )
