"""The ``diagnose`` capability: explain a failed stage from its log and propose fixes."""

from __future__ import annotations

from blackboard import Claim

from ..base import Availability, Result
from ..context import Context
from .rules import recognise


class Diagnose:
    name = "diagnose"

    def available(self) -> Availability:
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        log = str(task.inputs.get("error", ""))
        matches = recognise(log)
        fixes = [fix for m in matches for fix in m.fixes]
        if matches:
            summary = f"{task.inputs.get('failed')}: {matches[0].title}"
        else:
            summary = f"{task.inputs.get('failed')}: no known cause; retrying as is"
        return Result(
            summary,
            {
                "failed": task.inputs.get("failed"),
                "incidents": [{"rule": m.rule, "title": m.title, "evidence": m.evidence} for m in matches],
                "fixes": fixes,
            },
        )
