"""``orchestra chatops`` as a process: it refuses to start without what it needs, serves signed
commands against a shared board, and stops cleanly on SIGTERM. (The command is registered in
``peers/cli.py``; this mounts the same function on a minimal app of its own.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import anyio
import httpx
import pytest

from blackboard import BoardSettings, connect
from tests.support.peers import ROOT
from tests.support.redis_server import free_port
from tests.support.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, signed, slash_command
from tests.support.wait import eventually

from .conftest import Repo

pytestmark = pytest.mark.anyio

APP = """
import logging, sys, typer
from blackboard import BoardSettings
from peers.cli_chatops import chatops
app = typer.Typer()
@app.callback()
def main(ctx: typer.Context, log_level: str = "INFO") -> None:
    logging.basicConfig(level=log_level.upper(), stream=sys.stderr)
    ctx.obj = BoardSettings.from_env()
app.command()(chatops)
app()
"""


def orchestra_chatops(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REDIS_URL"))}
    full.update({"PYTHONPATH": str(ROOT), **env})
    return subprocess.Popen(
        [sys.executable, "-c", APP, *args],
        cwd=ROOT,
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_it_says_what_is_missing(redis_settings: BoardSettings) -> None:
    url = redis_settings.redis_url or ""
    cases = {
        "needs a shared board": {},
        "SLACK_BOT_TOKEN": {"REDIS_URL": url},
        "SLACK_SIGNING_SECRET": {"REDIS_URL": url, "SLACK_BOT_TOKEN": BOT_TOKEN},
        "SLACK_APP_TOKEN": {
            "REDIS_URL": url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "ORCHESTRA_CHATOPS_SOCKET_MODE": "1",
        },
    }
    for message, env in cases.items():
        proc = orchestra_chatops("chatops", env=env)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 2 and message in err, err
        assert BOT_TOKEN not in err


@pytest.mark.timeout(90)
async def test_it_serves_commands_and_stops_on_sigterm(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    port = free_port()
    env = {
        "REDIS_URL": redis_settings.redis_url or "",
        "ORCHESTRA_NAMESPACE": redis_settings.namespace,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": f"{slack.url}/api/",
        "ORCHESTRA_CHATOPS_REPO": repo.url,
    }
    proc = orchestra_chatops("--log-level", "DEBUG", "chatops", "--port", str(port), env=env)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:

            async def up() -> bool:
                try:
                    return (await client.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    assert proc.poll() is None, proc.communicate()[1]
                    return False

            await eventually(up, timeout=60, what="the bot answers /healthz")
            body = slash_command("deploy backend main")
            assert (await client.post("/slack/events", content=body, headers=signed(body))).status_code == 200
        async with connect(redis_settings) as board:
            [run] = await eventually(board.runs.recent, what="the run the bot started")
            assert run.meta.commit == repo.sha("main")
        await eventually(lambda: len(slack.called("chat.postMessage")) >= 2, what="the thread and its answer")
    finally:
        proc.send_signal(signal.SIGTERM)
        # wait in a thread: the fake Slack runs on this event loop and the bot may still post to it
        _, err = await anyio.to_thread.run_sync(lambda: proc.communicate(timeout=30))
    assert proc.returncode == 0, err
    assert "chatops bot stopped" in err
    assert BOT_TOKEN not in err and SIGNING_SECRET not in err
