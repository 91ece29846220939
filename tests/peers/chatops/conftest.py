"""Fixtures of the ChatOps tests: a fake Slack, a real git repository, the bot around a real board."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from blackboard import Board, BoardSettings, connect
from peers.chatops import ChatOpsSettings, RunningBot, running
from tests.support.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, fake_slack, signed

CONFIG = """\
version: 1
project:
  name: shop
deployment:
  services:
    - name: backend
      path: backend
      runtime: local
      port: 5000
    - name: frontend
      path: frontend
      runtime: local
      port: 3000
pipeline:
  deploy_branches: [main]
  approvals: [deploy]
chatops:
  platform: slack
  channel: C0DEPLOYS
  notify_on: [start, success, failure, approval, rollback, deploy]
  allow:
    deploy: [U0ALICE, "@sre"]
    rollback: ["@sre", U0ALICE]
    approve: [U0ALICE, U0CAROL]
    reject: [U0ALICE]
"""

ALICE, CAROL, MALLORY = "U0ALICE", "U0CAROL", "U0MALLORY"
SRE_GROUP = {"sre": ("S0SRE", [CAROL])}


@dataclass
class Repo:
    path: Path

    @property
    def url(self) -> str:
        return self.path.as_uri()

    def sha(self, ref: str) -> str:
        return git(self.path, "rev-parse", f"{ref}^{{commit}}")


def git(cwd: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
        "HOME": str(cwd),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=30, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """A git repository with two services on ``main``, a ``hotfix-v2`` branch and a ``v1.0`` tag."""
    root = tmp_path / "shop"
    (root / "backend").mkdir(parents=True)
    (root / "frontend").mkdir()
    (root / "devops_orchestra.yaml").write_text(CONFIG)
    (root / "backend" / "app.py").write_text("print('backend')\n")
    (root / "frontend" / "index.html").write_text("<h1>shop</h1>\n")
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "first")
    git(root, "tag", "-a", "v1.0", "-m", "v1.0")
    git(root, "checkout", "--quiet", "-b", "hotfix-v2")
    (root / "frontend" / "index.html").write_text("<h1>shop, fixed</h1>\n")
    git(root, "commit", "--quiet", "-am", "hotfix")
    git(root, "checkout", "--quiet", "main")
    return Repo(root)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with fake_slack(groups=SRE_GROUP) as fake:
        yield fake


def bot_settings(
    board: BoardSettings, slack: FakeSlack, repo: Repo | None = None, **changes: Any
) -> ChatOpsSettings:
    values: dict[str, Any] = {
        "bot_token": BOT_TOKEN,
        "signing_secret": SIGNING_SECRET,
        "api_url": f"{slack.url}/api/",
        "port": 0,
        "repo": repo.url if repo else None,
        "consumer": "bot-1",
        "read_block_ms": 100,
        "thread_wait_s": 5.0,
        "config_refresh_s": 0.0,
        "graceful_shutdown_s": 5.0,
        "log_level": "warning",
    }
    values.update(changes)
    return ChatOpsSettings(board=board, **values)


@asynccontextmanager
async def chat_bot(
    board_settings: BoardSettings,
    slack: FakeSlack,
    repo: Repo | None = None,
    *,
    notify: bool = True,
    **changes: Any,
) -> AsyncIterator[tuple[RunningBot, Board]]:
    """The bot on its own board connection, served by uvicorn on a free port."""
    settings = bot_settings(board_settings, slack, repo, **changes)
    async with connect(board_settings) as board, running(board, settings, notify=notify) as bot:
        yield bot, board


async def send(bot: RunningBot, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    """POST a request to the bot as Slack does (signed with the test secret unless headers are given)."""
    assert bot.url is not None
    async with httpx.AsyncClient(base_url=bot.url, timeout=10) as client:
        return await client.post(
            "/slack/events", content=body, headers=headers if headers is not None else signed(body)
        )
