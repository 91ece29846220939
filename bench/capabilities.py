"""Benchmark capabilities: a no-op that reports when its handler started (CLOCK_MONOTONIC,
which every process on the host shares), and a sleep for reassignment timings."""

from __future__ import annotations

import time

import anyio

from blackboard import Claim
from capabilities import Availability, Context, Result


class Noop:
    name = "noop"

    def available(self) -> Availability:
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        return Result(data={"t": time.monotonic_ns()})


class Sleep:
    name = "sleep"

    def available(self) -> Availability:
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        seconds = float(task.inputs.get("first_seconds" if task.attempt == 1 else "seconds", 0))
        await anyio.sleep(seconds)
        return Result(data={"peer": ctx.peer_id, "attempt": task.attempt})


CAPABILITIES = [Noop(), Sleep()]
