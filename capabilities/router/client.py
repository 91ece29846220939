"""Talking to a router: its admin API, and starting its process."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import httpx

from ..errors import CapabilityError
from .procs import alive, spawn_detached, terminate
from .table import RouteTable, VersionRoute

START_TIMEOUT_S = 15.0


class RouterError(CapabilityError):
    """The router could not be started or did not answer."""


class RouterClient:
    def __init__(self, admin: str, timeout_s: float = 5.0) -> None:
        self.admin = admin
        self._timeout = timeout_s

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            async with httpx.AsyncClient(base_url=f"http://{self.admin}", timeout=self._timeout) as http:
                response = await http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise RouterError(f"router admin {self.admin} did not answer {method} {path}: {exc}") from exc
        if response.status_code != 200:
            raise RouterError(f"router admin {method} {path}: {response.status_code} {response.text[:300]}")
        return response.json()

    async def health(self) -> dict[str, Any]:
        return dict(await self._call("GET", "/health"))

    async def alive(self) -> bool:
        try:
            await self.health()
        except RouterError:
            return False
        return True

    async def table(self) -> RouteTable:
        return RouteTable.model_validate(await self._call("GET", "/routes"))

    async def apply(self, routes: list[VersionRoute], stable: str | None) -> RouteTable:
        table = RouteTable(routes=tuple(routes), stable=stable)
        return RouteTable.model_validate(await self._call("PUT", "/routes", table.model_dump(mode="json")))

    async def stats(self, window_s: float = 10.0) -> dict[str, Any]:
        return dict(await self._call("GET", f"/stats?window={window_s:g}"))


def read_state(state_file: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(state_file.read_text()))
    except (OSError, ValueError):
        return None


async def launch_router(listen: str, state_file: Path, log_path: Path, name: str) -> dict[str, Any]:
    """Start ``python -m capabilities.router`` and wait until it has bound its ports; returns
    what it wrote to ``state_file`` (pid, listen, admin, table)."""
    args = [
        sys.executable, "-m", "capabilities.router", "--listen", listen, "--admin", "127.0.0.1:0",
        "--state-file", str(state_file), "--name", name,
    ]  # fmt: skip
    root = str(Path(__file__).resolve().parents[2])
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": root, "PYTHONUNBUFFERED": "1"}
    pid, created = await spawn_detached(args, cwd=None, env=env, log_path=log_path)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        state = read_state(state_file)
        if state and state.get("pid") == pid and state.get("admin"):
            return {**state, "created": created}
        if not alive(pid, created):
            tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
            raise RouterError(f"the router for {name} could not listen on {listen}: {' | '.join(tail)}")
        if time.monotonic() > deadline:
            await terminate(pid, created)
            raise RouterError(f"the router for {name} did not start within {START_TIMEOUT_S:.0f}s")
        await anyio.sleep(0.02)  # polling the state file the starting router writes
