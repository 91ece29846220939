"""Stand-ins for the pipeline's stages, for testing `orchestra run` itself.

Loaded with ``--load tests.support.stages``, they replace the real capabilities of the same
names. Each looks at its checkout: a file ``FAIL_<STAGE>`` fails it, ``SLOW_<STAGE>`` makes it
wait a minute (to interrupt it).
"""

from __future__ import annotations

import anyio

from blackboard import Claim
from capabilities import Availability, Context, Result, TaskFailed

STAGES = ("analyze", "test", "scan", "build", "provision", "deploy", "observe")


class Stage:
    def __init__(self, name: str) -> None:
        self.name = name

    def available(self) -> Availability:
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        root = await ctx.checkout()
        marker = self.name.upper()
        if (root / f"FAIL_{marker}").exists():
            raise TaskFailed(f"{self.name} failed on purpose (FAIL_{marker})")
        if (root / f"SLOW_{marker}").exists():
            await anyio.sleep(60)  # the behaviour: a stage long enough to interrupt
        data = {"service": task.inputs.get("service", "")}
        if self.name == "deploy":
            data["url"] = "http://127.0.0.1:1"
        return Result(f"{self.name} ok", data)


CAPABILITIES = [Stage(name) for name in STAGES]
