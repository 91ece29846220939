"""The GitHub feedback end to end: pull-request runs on a real board, run by a real peer, their
events read by the subscriber, and what it posts received by a local GitHub REST server."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from blackboard import Board, RunStatus, TaskSpec
from peers.feedback import MARKER, SAFE, reported
from tests.support.github import GitHubFake
from tests.support.wait import eventually

from .stages import REPO, TOKEN, feedback, pipeline_peer, pr_run

pytestmark = pytest.mark.anyio

SHA1, SHA2 = "1" * 40, "2" * 40
STAGES = {"orchestra/analyze", "orchestra/test", "orchestra/scan"}


@pytest.fixture
def github() -> Iterator[GitHubFake]:
    with GitHubFake(TOKEN, prefix="/api/v3") as fake:  # served as GitHub Enterprise serves it
        yield fake


@pytest.fixture(autouse=True)
def all_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # httpx and httpcore included: the token must not show anywhere


def body(github: GitHubFake, pr: int = 7) -> str:
    """The one comment's body ("" while there is none)."""
    comments = github.issue_comments(REPO, pr)
    assert len(comments) <= 1, "a second comment"
    return comments[0].body if comments else ""


def final_states(github: GitHubFake, sha: str) -> dict[str, str]:
    return {context: s.state for context, s in github.latest(REPO, sha).items()}


async def test_one_comment_updated_across_pushes_and_a_status_per_stage(
    board: Board, github: GitHubFake, caplog: pytest.LogCaptureFixture
) -> None:
    async with feedback(board, github), pipeline_peer(board):
        first = await pr_run(board, SHA1, fail={"test:backend": "tests/test_api.py:12: assert 500 == 200"})
        assert (await board.runs.wait(first.run_id, 20)).status is RunStatus.FAILED

        def failure_reported() -> bool:
            comments = github.issue_comments(REPO, 7)
            return len(comments) == 1 and "Not safe to merge" in comments[0].body

        await eventually(failure_reported, what="the failure comment")
        await eventually(
            lambda: (
                final_states(github, SHA1)
                == {"orchestra/analyze": "success", "orchestra/test": "failure", "orchestra/scan": "success"}
            ),
            what="the first push's statuses",
        )
        (comment,) = github.issue_comments(REPO, 7)
        assert comment.body.startswith(MARKER)
        assert "`test:backend`" in comment.body and "tests/test_api.py:12: assert 500 == 200" in comment.body
        assert SHA1[:12] in comment.body and first.run_id in comment.body

        # a second push to the same pull request: a second run, the same comment
        second = await pr_run(board, SHA2)
        assert (await board.runs.wait(second.run_id, 20)).status is RunStatus.SUCCEEDED

        def safe() -> bool:
            comments = github.issue_comments(REPO, 7)
            return len(comments) == 1 and SAFE in comments[0].body

        await eventually(safe, what="the comment says it is safe")
        await eventually(
            lambda: final_states(github, SHA2) == dict.fromkeys(STAGES, "success"), what="statuses"
        )
    (updated,) = github.issue_comments(REPO, 7)
    assert updated.id == comment.id, "updated in place, not a new comment"
    assert "Not safe" not in updated.body and SHA2[:12] in updated.body
    state = reported(updated.body)
    assert state is not None and state.run == second.run_id and state.final
    # each run: "checking…" when it started (unless it was over when its start was read), then
    # its verdict
    kinds = ["checking" if "Checking" in b else "safe" if SAFE in b else "failed" for b in updated.history]
    assert kinds in (["checking", "failed", "checking", "safe"], ["checking", "failed", "safe"])
    creates = [r for r in github.requests if r.method == "POST" and r.path.endswith("/comments")]
    assert len(creates) == 1
    # the first commit keeps its statuses; each went pending before its verdict
    assert final_states(github, SHA1)["orchestra/test"] == "failure"
    test_states = [s.state for s in github.commit_statuses(REPO, SHA1) if s.context == "orchestra/test"]
    assert test_states[0] == "pending" and test_states[-1] == "failure"
    failed = github.latest(REPO, SHA1)["orchestra/test"]
    assert failed.description == "failed: backend"
    assert failed.target_url == f"http://orchestra.example:8080/api/runs/{first.run_id}"
    for request in github.requests:
        assert request.path.startswith("/api/v3/repos/acme/shop/")
        assert request.authorization == f"Bearer {TOKEN}"
        assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
        assert request.headers["Accept"] == "application/vnd.github+json"
    assert TOKEN not in caplog.text


async def test_skipped_stages_are_errors_and_other_services_are_summed_up(
    board: Board, github: GitHubFake
) -> None:
    async with feedback(board, github), pipeline_peer(board):
        created = await pr_run(
            board,
            SHA1,
            services=("backend", "frontend"),
            fail={"analyze:frontend": "src/app.js:3:7: unexpected token"},
        )
        await board.runs.wait(created.run_id, 20)
        expected = {"orchestra/analyze": "failure", "orchestra/test": "error", "orchestra/scan": "error"}
        await eventually(lambda: final_states(github, SHA1) == expected, what="stage statuses")
        await eventually(lambda: "Not safe" in body(github), what="comment")
    latest = github.latest(REPO, SHA1)
    assert latest["orchestra/analyze"].description == "failed: frontend"
    assert (latest["orchestra/test"].description or "").startswith("skipped: frontend")
    text = body(github)
    assert "src/app.js:3:7: unexpected token" in text
    assert "`test:frontend`" in text and "`scan:frontend`" in text  # not run because of it


async def test_runs_that_are_not_pull_requests_get_nothing(board: Board, github: GitHubFake) -> None:
    async with feedback(board, github), pipeline_peer(board):
        plain = await board.runs.create([TaskSpec(id="analyze:x", capability="analyze",
                                                   inputs={"service": "x", "stage": "analyze"})])  # fmt: skip
        await board.runs.wait(plain.run_id, 20)
        marker = await pr_run(board, SHA2)  # then one that is, to know the first was handled
        await board.runs.wait(marker.run_id, 20)
        await eventually(lambda: github.issue_comments(REPO, 7), what="the PR's comment")
    assert all(s.sha == SHA2 for s in github.statuses)


async def test_a_restarted_subscriber_neither_misses_nor_repeats(board: Board, github: GitHubFake) -> None:
    async with pipeline_peer(board):
        async with feedback(board, github, consumer="replica-1"):
            created = await pr_run(board, SHA1, approval="scan:backend")
            await eventually(
                lambda: (
                    final_states(github, SHA1).get("orchestra/scan") == "pending"
                    and final_states(github, SHA1).get("orchestra/test") == "success"
                ),
                what="the run waits for its approval",
            )
            await eventually(
                lambda: [("Checking" in c.body) for c in github.issue_comments(REPO, 7)] == [True],
                what="the comment says it is checking",
            )
        # stopped; the run goes on without it
        await board.tasks.approve(f"{created.run_id}.scan:backend", "alice")
        assert (await board.runs.wait(created.run_id, 20)).status is RunStatus.SUCCEEDED
        posted_before = len(github.statuses)
        async with feedback(board, github, consumer="replica-1"):
            await eventually(lambda: SAFE in body(github), what="caught up")
            await eventually(lambda: final_states(github, SHA1)["orchestra/scan"] == "success", what="scan")
    assert len(github.issue_comments(REPO, 7)) == 1
    assert len([r for r in github.requests if r.method == "POST" and r.path.endswith("/comments")]) == 1
    # only the scan stage changed while it was away: nothing else is posted again
    assert [s.context for s in github.statuses[posted_before:]] == ["orchestra/scan"]


async def test_replicas_share_the_events_and_leave_one_comment(board: Board, github: GitHubFake) -> None:
    async with (
        feedback(board, github, "replica-1"),
        feedback(board, github, "replica-2"),
        pipeline_peer(board),
    ):
        runs = [await pr_run(board, sha, pr=n) for n, sha in ((1, SHA1), (2, SHA2))]
        for created in runs:
            await board.runs.wait(created.run_id, 20)
        for n in (1, 2):
            await eventually(
                lambda n=n: [SAFE in c.body for c in github.issue_comments(REPO, n)] == [True],  # type: ignore[misc]
                what=f"one safe comment on PR {n}",
            )


async def test_an_older_run_finishing_late_leaves_the_newer_push_alone(
    board: Board, github: GitHubFake
) -> None:
    async with feedback(board, github), pipeline_peer(board):
        older = await pr_run(board, SHA1, approval="scan:backend", fail={"test:backend": "old failure"})
        newer = await pr_run(board, SHA2)
        await board.runs.wait(newer.run_id, 20)
        await eventually(lambda: SAFE in body(github), what="the newer verdict")
        await board.tasks.approve(f"{older.run_id}.scan:backend", "alice")
        await board.runs.wait(older.run_id, 20)
        # the older run's statuses still land on its own commit
        await eventually(lambda: final_states(github, SHA1).get("orchestra/scan") == "success", what="older")
    (comment,) = github.issue_comments(REPO, 7)
    assert SAFE in comment.body and "old failure" not in comment.body
    state = reported(comment.body)
    assert state is not None and state.run == newer.run_id


async def test_github_failing_for_a_while_is_caught_up(
    board: Board, github: GitHubFake, caplog: pytest.LogCaptureFixture
) -> None:
    github.fail_next(*[502] * 12)  # more than the client retries: some updates are lost
    async with feedback(board, github), pipeline_peer(board):
        created = await pr_run(board, SHA1)
        await board.runs.wait(created.run_id, 20)
        # the report's events come after the stages': the run's state is posted again then
        await eventually(
            lambda: final_states(github, SHA1) == dict.fromkeys(STAGES, "success"), what="statuses"
        )
    assert "GitHub answered 502" in caplog.text
    assert TOKEN not in caplog.text
