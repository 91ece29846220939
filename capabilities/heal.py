"""Healing: a failed build, test or deploy asks for a diagnosis and a corrected attempt.

The failing task adds ``diagnose:<task>`` and ``<task>:retry`` (which needs the diagnosis) to
its run, within the run's budget, and hands its dependents to the retry; then it fails and
ends ``superseded``. The retry reads the diagnosis' fixes (``fixes_for``) and applies the ones
it knows. A retry is never healed again: a stage is retried once.
"""

from __future__ import annotations

import logging
from typing import Any

from blackboard import BudgetExceeded, Claim, TaskSpec

from .context import Context
from .redact import Redactor

log = logging.getLogger(__name__)

HEALABLE = frozenset({"build", "test", "deploy"})


def retry_id(task: Claim) -> str:
    return f"{task.spec}:retry"


async def request_healing(ctx: Context, task: Claim, error: str) -> str | None:
    """Add the diagnosis and the corrected attempt; returns the retry's id, or None when this
    task may not be healed (it is a retry itself, or the run's budget is spent)."""
    if task.capability not in HEALABLE or task.inputs.get("heal_of"):
        return None
    try:
        redact = Redactor((await ctx.config()).secrets.keys)
    except Exception:  # a run without a config (not a pipeline): nothing to heal with
        log.debug("%s: no config to heal with", task.task_id, exc_info=True)
        return None
    diagnosis = f"diagnose:{task.spec}"
    specs = [
        TaskSpec(
            id=diagnosis,
            capability="diagnose",
            inputs={
                "failed": task.spec,
                "stage": task.capability,
                "service": task.inputs.get("service", ""),
                "error": redact(error)[-12_000:],
            },
        ),
        TaskSpec(
            id=retry_id(task),
            capability=task.capability,
            inputs={**task.inputs, "heal_of": task.spec, "diagnosis": diagnosis},
            needs=(diagnosis,),
            max_attempts=task.max_attempts,
        ),
    ]
    try:
        await ctx.add_tasks(specs, takeover=retry_id(task))
    except BudgetExceeded as exc:
        log.info("%s: not healing: %s", task.task_id, exc)
        return None
    return retry_id(task)


async def fixes_for(ctx: Context, task: Claim) -> list[dict[str, Any]]:
    """The fixes the diagnosis of this retry proposed (empty for a first attempt)."""
    diagnosis = task.inputs.get("diagnosis")
    if not diagnosis:
        return []
    for t in await ctx.tasks():
        if t.spec == diagnosis and isinstance(t.result, dict):
            fixes = t.result.get("data", {}).get("fixes", [])
            return [f for f in fixes if isinstance(f, dict)]
    return []


def packages_to_add(fixes: list[dict[str, Any]], ecosystem: str = "python") -> list[str]:
    kind = "add_requirement" if ecosystem == "python" else "add_npm_package"
    return sorted({str(f["package"]) for f in fixes if f.get("kind") == kind and f.get("package")})
