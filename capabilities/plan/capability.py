"""The ``plan`` capability: read the config at the run's commit (or infer one) and grow the run
by the DAG for its trigger; fail fast when no live peer can run a stage it planned."""

from __future__ import annotations

import json

import anyio

from blackboard import Claim

from ..base import Availability, Result
from ..config import ConfigError, resolve_config
from ..context import Context
from ..errors import TaskFailed
from .planner import plan
from .trigger import Trigger


class Plan:
    name = "plan"

    def available(self) -> Availability:
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        trigger = Trigger.model_validate(task.inputs["trigger"])
        root = await ctx.checkout()
        try:
            config, notes, inferred = await anyio.to_thread.run_sync(resolve_config, root)
        except ConfigError as exc:
            raise TaskFailed(f"devops_orchestra.yaml is not valid:\n{exc}") from None
        planned = plan(config, trigger)
        live = await ctx.live_capabilities()
        missing = sorted({s.capability for s in planned.specs} - live)
        if missing:
            raise TaskFailed(
                f"no live peer advertises {', '.join(missing)}: this run cannot finish. Start one with "
                f"`orchestra peer --capabilities {','.join(missing)}` (or check why it does not advertise "
                "them: `orchestra board peers`)"
            )
        await ctx.put_artifact(
            "config.json",
            config.model_dump_json(indent=2),
            content_type="application/json",
            meta={"inferred": inferred, "notes": notes},
        )
        plan_doc = {
            "kind": planned.kind,
            "stages": planned.stages,
            "services": planned.services,
            "skipped": planned.skipped,
            "tasks": [s.model_dump(mode="json") for s in planned.specs],
        }
        await ctx.put_artifact("plan.json", json.dumps(plan_doc, indent=2), content_type="application/json")
        await ctx.add_tasks(planned.specs)
        what = ", ".join(planned.services) or "no service"
        source = "inferred config" if inferred else "devops_orchestra.yaml"
        return Result(
            f"{planned.kind} pipeline: {len(planned.specs)} task(s) for {what} ({source})",
            {
                "kind": planned.kind,
                "services": planned.services,
                "skipped": planned.skipped,
                "inferred": inferred,
                "notes": notes,
            },
        )
