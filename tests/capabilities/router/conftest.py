"""A router process and app processes for the router's tests (all on loopback, free ports)."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from capabilities.router import RouterClient, launch_router, terminate
from tests.support.apps import write_app
from tests.support.wait import eventually


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Apps:
    """App processes started by a test, stopped at its end."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    async def start(self, version: str, **behavior: Any) -> str:
        folder = write_app(self.root / f"{version}-{len(self.procs)}", **behavior)
        port = free_port()
        env = {"PORT": str(port), "ORCHESTRA_VERSION": version, "PATH": "/usr/bin:/bin"}
        proc = subprocess.Popen([sys.executable, str(folder / "app.py")], env=env)  # noqa: ASYNC220
        address = f"127.0.0.1:{port}"
        self.procs[address] = proc

        async def up() -> bool:
            try:
                async with httpx.AsyncClient(timeout=1) as http:
                    return (await http.get(f"http://{address}/health")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(up, timeout=10, what=f"app {version} on {address}")
        return address

    def stop(self, address: str) -> None:
        proc = self.procs[address]
        proc.terminate()
        proc.wait(10)

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)


@pytest.fixture
def apps(tmp_path: Path) -> Iterator[Apps]:
    a = Apps(tmp_path / "apps")
    yield a
    a.close()


@pytest.fixture
def router_factory(tmp_path: Path) -> Iterator[Callable[[], Any]]:
    started: list[dict[str, Any]] = []

    @asynccontextmanager
    async def make(name: str = "r") -> AsyncIterator[tuple[str, RouterClient, dict[str, Any]]]:
        state = await launch_router(
            "127.0.0.1:0", tmp_path / f"{name}.json", tmp_path / f"{name}.log", f"test/{name}"
        )
        started.append(state)
        try:
            yield f"http://{state['listen']}", RouterClient(state["admin"]), state
        finally:
            await terminate(state["pid"], state["created"])

    yield make
