"""What the comment says and how a stage's status sums up its tasks (pure functions)."""

from __future__ import annotations

from typing import Any

from blackboard import Run, RunMeta, RunStatus, Task, TaskState
from peers.feedback import MARKER, SAFE, is_ours, pull_request_of, render_comment, reported, stage_statuses
from peers.feedback.comment import MAX_BODY

SHA = "c" * 40


def run(status: RunStatus = RunStatus.SUCCEEDED, **labels: str) -> Run:
    meta = RunMeta(trigger="pull_request", commit=SHA, labels={"pr": "7", "repo": "acme/shop", **labels})
    return Run(
        id="r1", status=status, meta=meta, created_ms=1_000, finished_ms=0 if status == "running" else 5_000
    )


def task(
    spec: str, state: TaskState, *, error: str = "", capability: str | None = None, **inputs: Any
) -> Task:
    stage = spec.split(":")[0]
    return Task(
        id=f"r1.{spec}",
        run="r1",
        spec=spec,
        capability=capability or stage,
        state=state,
        inputs={"stage": stage, "service": spec.split(":")[-1], **inputs},
        error=error,
        started_ms=1_000,
        finished_ms=2_500,
    )


def test_a_passing_run_is_safe_to_merge_and_says_which_run() -> None:
    body = render_comment(
        run(), [task("analyze:api", TaskState.SUCCEEDED)], [], "http://o.example/api/runs/r1"
    )
    assert is_ours(body) and body.startswith(MARKER)
    assert SAFE in body and "`cccccccccccc`" in body and "[run `r1`](http://o.example/api/runs/r1)" in body
    state = reported(body)
    assert state is not None and (state.run, state.created_ms, state.commit, state.final) == (
        "r1",
        1000,
        SHA,
        True,
    )


def test_failures_are_shown_with_their_errors_and_cannot_break_the_markdown() -> None:
    error = "tests/test_api.py:12: AssertionError\n```\nnot a fence\n```"
    body = render_comment(
        run(RunStatus.FAILED),
        [task("test:api", TaskState.FAILED, error=error), task("scan:api", TaskState.SKIPPED)],
        [],
    )
    assert "❌ Not safe to merge: 1 check(s) failed" in body
    assert "**`test:api`** (test, attempt 0)" in body
    assert "````\n" in body  # a longer fence around output that holds one
    assert "Not run because of these: `scan:api`." in body
    assert SAFE not in body


def test_a_running_and_a_cancelled_run() -> None:
    assert "🔄 Checking `cccccccccccc`" in render_comment(run(RunStatus.RUNNING), [], [])
    state = reported(render_comment(run(RunStatus.RUNNING), [], []))
    assert state is not None and not state.final
    assert "cancelled" in render_comment(run(RunStatus.CANCELLED), [], [])


def test_a_huge_report_is_cut_under_githubs_limit() -> None:
    tasks = [task(f"test:s{i}", TaskState.FAILED, error="E" * 5000) for i in range(40)]
    body = render_comment(run(RunStatus.FAILED), tasks, [])
    assert len(body) < 65_536 and len(body) <= MAX_BODY + 1000
    assert reported(body) is not None  # the state line survives the cut


def test_only_runs_of_pull_requests_with_a_repository_get_feedback() -> None:
    pr = pull_request_of(run())
    assert pr is not None and (pr.repo, pr.number, pr.sha) == ("acme/shop", 7, SHA)
    assert pull_request_of(Run(id="x", status=RunStatus.RUNNING, meta=RunMeta())) is None
    assert pull_request_of(run(repo="not a repo")) is None
    assert pull_request_of(run(pr="0")) is None
    no_sha = Run(
        id="y",
        status=RunStatus.RUNNING,
        meta=RunMeta(commit="(working tree)", labels={"pr": "3", "repo": "a/b"}),
    )
    assert pull_request_of(no_sha) == type(pr)("a/b", 3, "")


def test_a_stage_sums_up_its_services() -> None:
    statuses = {
        s.context: (s.state, s.description)
        for s in stage_statuses(
            [
                task("plan", TaskState.SUCCEEDED, capability="plan"),
                task("analyze:api", TaskState.SUCCEEDED),
                task("analyze:web", TaskState.SUCCEEDED),
                task("test:api", TaskState.FAILED),
                task("test:web", TaskState.RUNNING),
                task("build:api", TaskState.SUPERSEDED),
                task("build:api:retry", TaskState.RUNNING, service="api"),
                task("scan:api", TaskState.WAITING),
                task("deploy:api", TaskState.BLOCKED),
                task("observe:api", TaskState.SKIPPED),
                task("diagnose:build:api", TaskState.SUCCEEDED, capability="diagnose", stage="build"),
                task("report", TaskState.PENDING, capability="report", stage=None),
            ]
        )
    }
    assert statuses == {
        "orchestra/plan": ("success", "planned in 1.5s"),
        "orchestra/analyze": ("success", "passed: api, web in 1.5s"),
        "orchestra/test": ("failure", "failed: api"),
        "orchestra/build": ("pending", "running: api"),
        "orchestra/scan": ("pending", "waiting for approval: api"),
        "orchestra/deploy": ("pending", "queued"),
        "orchestra/observe": ("error", "skipped: api (an earlier stage failed)"),
    }


def test_runs_made_in_the_same_millisecond_are_told_apart_by_their_sequence() -> None:
    first = run(RunStatus.RUNNING).model_copy(update={"seq": 4})
    second = first.model_copy(update={"id": "r2", "seq": 5})
    state = reported(render_comment(second, [], []))
    assert state is not None and state.seq == 5
    assert state.newer_than(first) and not state.newer_than(second)
