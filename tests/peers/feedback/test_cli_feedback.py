"""``orchestra feedback`` as a real process: it posts for a pull-request run, stops on SIGTERM,
and never prints its token."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.exceptions import ResponseError

from blackboard import BoardSettings, RunStatus, connect
from peers.feedback import SAFE
from tests.support.github import GitHubFake
from tests.support.wait import eventually

from .stages import REPO, TOKEN, pipeline_peer, pr_run

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def github() -> Iterator[GitHubFake]:
    with GitHubFake(TOKEN, prefix="/api/v3") as fake:
        yield fake


def command(settings: BoardSettings, *extra: str) -> list[str]:
    assert settings.redis_url
    return [sys.executable, "-m", "peers", "--redis-url", settings.redis_url,
            "--namespace", settings.namespace, "--log-level", "DEBUG", "feedback", *extra]  # fmt: skip


def start(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with open(log_path, "wb") as log:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


@pytest.mark.timeout(60)
async def test_the_feedback_process_comments_and_stops_on_sigterm(
    redis_settings: BoardSettings, github: GitHubFake, tmp_path: Path
) -> None:
    log_path = tmp_path / "feedback.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_API_URL": github.url,
        "ORCHESTRA_PUBLIC_URL": "http://orchestra.example",
    }
    proc = start(command(redis_settings, "--name", "replica-1"), env, log_path)
    try:
        async with connect(redis_settings) as board:

            async def group_open() -> bool:
                assert proc.poll() is None, log_path.read_text()
                try:
                    groups = await board.core.redis.xinfo_groups(board.keys.partition(0).events)
                except ResponseError:  # no stream yet
                    return False
                return any(g["name"] == "github-feedback" for g in groups)

            await eventually(group_open, timeout=30, what="the feedback's consumer group")
            async with pipeline_peer(board):
                created = await pr_run(board, "9" * 40)
                assert (await board.runs.wait(created.run_id, 20)).status is RunStatus.SUCCEEDED
                await eventually(
                    lambda: [SAFE in c.body for c in github.issue_comments(REPO, 7)] == [True],
                    timeout=20,
                    what="the comment",
                )
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(20)
    output = log_path.read_text()
    assert code == 0, output
    assert "GitHub feedback stopped" in output
    assert TOKEN not in output
    latest = github.latest(REPO, "9" * 40)
    assert {c: s.state for c, s in latest.items()} == dict.fromkeys(
        ("orchestra/analyze", "orchestra/test", "orchestra/scan"), "success"
    )
    assert latest["orchestra/test"].target_url == f"http://orchestra.example/api/runs/{created.run_id}"


def test_without_a_token_it_says_so(redis_settings: BoardSettings) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "ORCHESTRA_GITHUB_TOKEN")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        command(redis_settings), cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "GITHUB_TOKEN" in done.stderr
