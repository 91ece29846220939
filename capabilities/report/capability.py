"""The ``report`` capability: the run's report as artifacts, whatever the other tasks did."""

from __future__ import annotations

import json

from blackboard import Claim, TaskState

from ..base import Availability, Result
from ..context import Context
from .render import build_report, render_markdown


class Report:
    name = "report"

    def available(self) -> Availability:
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        tasks = await ctx.tasks()
        report = build_report(await ctx.run(), tasks, await ctx.artifacts(), exclude=task.spec)
        await ctx.put_artifact("report.json", json.dumps(report, indent=2), content_type="application/json")
        await ctx.put_artifact("report.md", render_markdown(report), content_type="text/markdown")
        failed = [t.spec for t in tasks if t.state is TaskState.FAILED]
        verdict = "all stages passed" if not failed else f"failed: {', '.join(failed)}"
        return Result(f"report written; {verdict}", {"verdict": report["verdict"], "failed": failed})
