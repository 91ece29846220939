"""Capabilities for tests only: noop, sleep, fail, echo, grow, gauge.

Loaded in peer processes with ``orchestra peer --load tests.support.capabilities``.
"""

from __future__ import annotations

import time
from typing import Any

import anyio

from blackboard import Claim, TaskSpec
from capabilities import Availability, Context, Result, TaskFailed


class Noop:
    name = "noop"

    def available(self) -> Availability:
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        return Result("ok", {"peer": ctx.peer_id, "attempt": task.attempt})


class Sleep:
    """Sleeps ``seconds`` (``first_seconds`` on the first attempt, ``peer_seconds[peer id]`` on
    that peer); on attempt ``block_attempt``
    it blocks the whole event loop instead (a handler that hogs its peer, which then cannot
    renew its lease)."""

    name = "sleep"

    def available(self) -> Availability:
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        seconds = float(task.inputs.get("seconds", 0.1))
        if task.attempt == 1 and "first_seconds" in task.inputs:
            seconds = float(task.inputs["first_seconds"])
        seconds = float(task.inputs.get("peer_seconds", {}).get(ctx.peer_id, seconds))
        if task.inputs.get("block_attempt") == task.attempt:
            time.sleep(seconds)  # noqa: ASYNC251 - the behaviour under test: a frozen event loop
        else:
            await anyio.sleep(seconds)  # the task's work: sleeping is what it does
        return Result(f"slept {seconds}s", {"peer": ctx.peer_id, "attempt": task.attempt})


class Fail:
    """Fails its first ``times`` attempts (all by default): ``TaskFailed``, or a crash."""

    name = "fail"

    def available(self) -> Availability:
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        times = int(task.inputs.get("times", 1_000))
        if task.attempt <= times:
            message = str(task.inputs.get("message", "it failed"))
            if task.inputs.get("crash"):
                raise RuntimeError(message)
            raise TaskFailed(message, retryable=bool(task.inputs.get("retryable", False)))
        return Result("recovered", {"peer": ctx.peer_id, "attempt": task.attempt})


class Echo:
    name = "echo"

    def available(self) -> Availability:
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        return Result("echo", {"inputs": task.inputs, "peer": ctx.peer_id})


class Grow:
    """Adds the specs in ``inputs.add`` (with ``inputs.before``) to its own run."""

    name = "grow"

    def available(self) -> Availability:
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        specs = [TaskSpec.model_validate(s) for s in task.inputs.get("add", [])]
        n = await ctx.add_tasks(specs, before=task.inputs.get("before"))
        if "artifact" in task.inputs:
            await ctx.put_artifact("grow.txt", str(task.inputs["artifact"]), content_type="text/plain")
        return Result(f"added {n}", {"added": n})


class Gauge:
    """Counts how many of its tasks run at once (in-process tests only)."""

    name = "gauge"

    def __init__(self) -> None:
        self.current = 0
        self.peak = 0
        self.runs = 0

    def available(self) -> Availability:
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        self.current += 1
        self.runs += 1
        self.peak = max(self.peak, self.current)
        try:
            await anyio.sleep(float(task.inputs.get("seconds", 0.05)))  # the work, while counted
        finally:
            self.current -= 1
        return Result("ok")


class Unavailable:
    name = "unavailable"

    def available(self) -> Availability:
        return Availability.no("needs a tool this host does not have")

    async def run(self, task: Claim, ctx: Context) -> Result:  # pragma: no cover - never advertised
        raise AssertionError("an unavailable capability was run")


CAPABILITIES: list[Any] = [Noop(), Sleep(), Fail(), Echo(), Grow(), Unavailable()]
