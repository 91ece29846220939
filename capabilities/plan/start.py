"""Start a pipeline run: a run whose only root is the ``plan`` task; the plan grows the rest."""

from __future__ import annotations

from blackboard import Board, Created, RunMeta, TaskSpec

from .trigger import Trigger, repo_name

PLAN_BUDGET = 400
"""Tasks a plan may add to its run, on top of the self-correction budget."""


async def start_pipeline(
    board: Board, trigger: Trigger, *, dedupe_key: str | None = None, traceparent: str = ""
) -> Created:
    """Create the run for ``trigger``. With ``dedupe_key`` (a webhook delivery id) a repeated
    delivery creates nothing and returns the first run's id."""
    meta = RunMeta(
        trigger=trigger.event if trigger.source == "webhook" else f"{trigger.source}:{trigger.event}",
        repo=trigger.repo,
        commit=trigger.commit,
        branch=trigger.branch,
        labels={
            k: v
            for k, v in {
                "project": trigger.name or repo_name(trigger.repo),
                "pr": str(trigger.pr or ""),
                "repo": trigger.full_name or "",
            }.items()
            if v
        },
    )
    plan = TaskSpec(id="plan", capability="plan", inputs={"trigger": trigger.model_dump(mode="json")})
    return await board.runs.create(
        [plan],
        meta,
        dedupe_key=dedupe_key,
        traceparent=traceparent,
        budget=board.settings.run_budget + PLAN_BUDGET,
    )
