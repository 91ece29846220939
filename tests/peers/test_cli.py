"""The `orchestra` CLI as a user runs it: a real process, against a real board."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from blackboard import BoardSettings, TaskSpec, connect
from tests.support.peers import ROOT, PeerProcess

pytestmark = pytest.mark.anyio


def orchestra(
    *args: str, url: str | None = None, ns: str = "orch", env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update({"PYTHONPATH": str(ROOT), "COLUMNS": "200", "ORCHESTRA_NAMESPACE": ns, **(env_extra or {})})
    if url:
        env["REDIS_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "peers", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


async def test_board_commands_show_runs_tasks_and_queues(redis_settings: BoardSettings) -> None:
    url, ns = redis_settings.redis_url, redis_settings.namespace
    async with connect(redis_settings) as board:
        created = await board.runs.create(
            [
                TaskSpec(id="build", capability="build"),
                TaskSpec(id="deploy", capability="deploy", needs=("build",), approval=True),
            ]
        )
    runs = orchestra("board", "runs", url=url, ns=ns)
    assert runs.returncode == 0, runs.stderr
    assert created.run_id in runs.stdout and "running" in runs.stdout
    tasks = orchestra("board", "tasks", created.run_id, url=url, ns=ns)
    assert tasks.returncode == 0 and "build" in tasks.stdout and "blocked" in tasks.stdout
    status = orchestra("board", "status", url=url, ns=ns)
    assert status.returncode == 0 and "Capability streams" in status.stdout and "build" in status.stdout
    cancel = orchestra("board", "cancel", created.run_id, "--reason", "wrong branch", url=url, ns=ns)
    assert cancel.returncode == 0 and "2 unfinished" in cancel.stdout
    again = orchestra("board", "cancel", created.run_id, url=url, ns=ns)
    assert again.returncode == 2 and "already cancelled" in again.stderr
    missing = orchestra("board", "tasks", "no-such-run", url=url, ns=ns)
    assert missing.returncode == 2 and "no run no-such-run" in missing.stderr


async def test_approve_and_reject_from_the_cli(redis_settings: BoardSettings) -> None:
    url, ns = redis_settings.redis_url, redis_settings.namespace
    async with connect(redis_settings) as board:
        created = await board.runs.create(
            [
                TaskSpec(id="prod", capability="deploy", approval=True),
                TaskSpec(id="stage", capability="deploy", approval=True),
            ]
        )
        done = orchestra("board", "approve", created.run_id, "prod", "--by", "alice", url=url, ns=ns)
        assert done.returncode == 0, done.stderr
        refused = orchestra("board", "reject", created.run_id, "stage", "--reason", "freeze", url=url, ns=ns)
        assert refused.returncode == 0, refused.stderr
        tasks = {t.spec: t for t in await board.runs.tasks(created.run_id)}
        assert tasks["prod"].approved_by == "alice" and tasks["prod"].state.value == "pending"
        assert tasks["stage"].state.value == "failed" and "freeze" in tasks["stage"].error


def test_board_commands_need_a_shared_board() -> None:
    result = orchestra("board", "runs")
    assert result.returncode == 2 and "REDIS_URL" in result.stderr


def test_peer_refuses_unknown_capabilities_and_bad_tags(redis_server) -> None:  # type: ignore[no-untyped-def]
    unknown = orchestra("peer", "-c", "nope", url=redis_server.url)
    assert unknown.returncode == 2 and "no capability 'nope'" in unknown.stderr
    nothing = orchestra(
        "peer", "-c", "unavailable", "--load", "tests.support.capabilities", url=redis_server.url
    )
    assert nothing.returncode == 2 and "none of the requested capabilities" in nothing.stderr
    tag = orchestra(
        "peer", "-c", "noop", "--tag", "oops", "--load", "tests.support.capabilities", url=redis_server.url
    )
    assert tag.returncode == 2 and "key=value" in tag.stderr
    down = orchestra(
        "peer",
        "-c",
        "noop",
        "--load",
        "tests.support.capabilities",
        url="redis://127.0.0.1:1/0",
        env_extra={"ORCHESTRA_CONNECT_TIMEOUT_S": "1"},
    )
    assert down.returncode == 2 and "cannot reach the board" in down.stderr
    assert "waiting for the board" in down.stderr  # it tried for a while first


def test_peer_check_answers_from_the_heartbeat(redis_settings: BoardSettings, tmp_path: Path) -> None:
    url, ns = redis_settings.redis_url or "", redis_settings.namespace
    assert orchestra("peer", "--check", url=url, ns=ns).returncode == 1
    proc = PeerProcess(url, ns, "checked", tmp_path, capabilities="noop").start()
    try:
        by_name = orchestra("peer", "--check", "--name", "checked", url=url, ns=ns)
        assert by_name.returncode == 0 and "alive" in by_name.stdout
        on_host = orchestra("peer", "--check", url=url, ns=ns)  # any peer on this host (a pod's probe)
        assert on_host.returncode == 0
        assert orchestra("peer", "--check", "--name", "other", url=url, ns=ns).returncode == 1
        peers = orchestra("board", "peers", url=url, ns=ns)
        assert "checked" in peers.stdout and "noop" in peers.stdout
    finally:
        assert proc.terminate() == 0  # SIGTERM: a clean exit
    assert orchestra("peer", "--check", "--name", "checked", url=url, ns=ns).returncode == 1
    assert orchestra("peer", "--check", url="redis://127.0.0.1:1/0").returncode == 1
