"""Pull-request runs for the feedback tests: stage capabilities that pass or fail as told, the
real report, and the specs and meta a pull-request run has (as the planner and gateway make them)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio

from blackboard import Board, Claim, Created, RunMeta, TaskSpec
from capabilities import Availability, Context, Result, TaskFailed
from capabilities.report import Report
from peers import Peer
from peers.feedback import FeedbackService, FeedbackSettings, GitHubClient
from tests.support.github import GitHubFake
from tests.support.peers import running_peer

TOKEN = "ghp_" + "F33dbackT0ken" * 3  # pragma: allowlist secret
REPO = "acme/shop"


class Stage:
    """A pipeline stage that passes, or fails with ``inputs["fail"]`` as its message."""

    def __init__(self, name: str) -> None:
        self.name = name

    def available(self) -> Availability:
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        if message := task.inputs.get("fail"):
            raise TaskFailed(str(message))
        return Result(f"{self.name} passed for {task.inputs['service']}")


def capabilities() -> list[Any]:
    return [Stage("analyze"), Stage("test"), Stage("scan"), Report()]


def pr_specs(
    services: Sequence[str] = ("backend",), *, fail: dict[str, str] | None = None, approval: str | None = None
) -> list[TaskSpec]:
    """analyze -> test, scan per service, then the report (as the planner plans a pull request)."""
    fail = fail or {}
    specs: list[TaskSpec] = []
    for service in services:
        for stage, needs in (("analyze", ()), ("test", ("analyze",)), ("scan", ("analyze",))):
            tid = f"{stage}:{service}"
            inputs: dict[str, Any] = {"service": service, "stage": stage, "kind": "pr"}
            if tid in fail:
                inputs["fail"] = fail[tid]
            specs.append(
                TaskSpec(
                    id=tid,
                    capability=stage,
                    inputs=inputs,
                    needs=tuple(f"{n}:{service}" for n in needs),
                    approval=tid == approval,
                    max_attempts=1,
                )
            )
    specs.append(TaskSpec(id="report", capability="report", needs=tuple(s.id for s in specs), always=True))
    return specs


def pr_meta(sha: str, pr: int = 7, repo: str = REPO) -> RunMeta:
    return RunMeta(
        trigger="pull_request",
        repo=f"https://github.com/{repo}.git",
        commit=sha,
        branch="feature",
        labels={"project": repo.split("/")[1], "pr": str(pr), "repo": repo},
    )


async def pr_run(board: Board, sha: str, **kw: Any) -> Created:
    pr = kw.pop("pr", 7)
    return await board.runs.create(pr_specs(**kw), pr_meta(sha, pr))


def settings(board: Board, github: GitHubFake, consumer: str = "replica-1") -> FeedbackSettings:
    return FeedbackSettings(
        board=board.settings, token=TOKEN, api_url=github.url, consumer=consumer, block_ms=100, retry_s=0.2,
        public_url="http://orchestra.example:8080",
    )  # fmt: skip


@asynccontextmanager
async def feedback(board: Board, github: GitHubFake, consumer: str = "replica-1") -> AsyncIterator[None]:
    """A feedback subscriber running until the block ends (then stopped as a SIGTERM would)."""
    s = settings(board, github, consumer)
    async with GitHubClient(s.api_url, s.token, backoff_s=0.01) as client:
        service = FeedbackService(board, client, s)
        async with anyio.create_task_group() as tg:
            tg.start_soon(service.run)
            await service.ready.wait()
            try:
                yield
            finally:
                tg.cancel_scope.cancel()


@asynccontextmanager
async def pipeline_peer(board: Board) -> AsyncIterator[Peer]:
    async with running_peer(board, capabilities(), concurrency=4) as peer:
        yield peer
