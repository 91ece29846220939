"""What a deploy leaves running outlives the peer, survives a router crash, and is torn down."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import pytest

from blackboard import Board
from capabilities.deploy import Deploy, LocalRuntime, teardown
from capabilities.router import alive, read_state
from tests.support.apps import write_app
from tests.support.apps.pipeline import app_config, run_stages
from tests.support.wait import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]


async def test_a_crashed_router_comes_back_on_its_port_and_teardown_stops_everything(
    real_board: Board, tmp_path: Path, project: str, cache_dir: Path
) -> None:
    repo = tmp_path / "repo"
    write_app(repo)
    done = await run_stages(real_board, [Deploy()], repo, app_config(project, replicas=2), stages=("deploy",))
    url = done.data("deploy:web")["url"]
    async with httpx.AsyncClient(timeout=5) as http:  # the peer is gone; the service serves
        assert (await http.get(url + "/")).status_code == 200

    runtime = LocalRuntime(cache_dir, project, "web")
    state = read_state(runtime.root / "router.json")
    assert state is not None
    os.kill(state["pid"], signal.SIGKILL)
    await eventually(lambda: not alive(state["pid"], None), timeout=5, what="router killed")
    assert await runtime.prepare() == url  # a new router on the same port, the table restored
    async with httpx.AsyncClient(timeout=5) as http:
        assert (await http.get(url + "/")).status_code == 200

    instances = await runtime.instances()
    assert len(instances) == 2
    assert await teardown(cache_dir, project) == ["web"]
    assert not any(alive(i.pid, i.created) for i in instances if i.pid)
    assert not runtime.root.exists()
    async with httpx.AsyncClient(timeout=2) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(url + "/")
