"""What the local and docker runtimes share: the service's router, instance records on disk,
health checks, draining before a stop.

On disk, under ``cache_dir/runtime/<project>/<service>/``: ``router.json`` (the router's own
state file: pid, ports, route table), ``router.log``, ``instances/<id>.json`` (one record per
replica: version, track, address, pid and start time or container id) and ``logs/<id>.log``.
That is what a later process (the next deploy, ``observe``, ``teardown``) reads to find them.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio
import httpx

from ..._lock import file_lock
from ...router import RouterClient, RouteTable, VersionRoute, alive, launch_router, read_state, terminate
from .base import AppSpec, Instance, InstanceFailed, Track, Usage

log = logging.getLogger(__name__)

HEALTH_TIMEOUT_S = 2.0


def runtime_root(cache_dir: Path, project: str, service: str) -> Path:
    return cache_dir / "runtime" / project / service


class RoutedRuntime:
    name = "routed"

    def __init__(self, cache_dir: Path, project: str, service: str, listen: str = "127.0.0.1:0") -> None:
        self.project = project
        self.service = service
        self.root = runtime_root(cache_dir, project, service)
        self.listen = listen
        self._router: RouterClient | None = None
        self._url = ""

    # -- the router ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self._url

    @property
    def router(self) -> RouterClient:
        if self._router is None:
            raise RuntimeError("prepare() the runtime first")
        return self._router

    async def prepare(self) -> str:
        """Adopt the service's running router, or start one (on the port it had, if it had one)."""
        state_file = self.root / "router.json"
        async with file_lock(self.root / ".router.lock"):
            state = read_state(state_file)
            if state and alive(int(state["pid"]), None):
                client = RouterClient(str(state["admin"]))
                try:
                    if (await client.health()).get("pid") == state["pid"]:
                        return self._adopt(state)
                except Exception as exc:
                    log.warning("router of %s did not answer (%s); starting a new one", self.service, exc)
                await terminate(int(state["pid"]), None)
            listen = str(state["listen"]) if state and state.get("listen") else self.listen
            state = await launch_router(
                listen, state_file, self.root / "router.log", f"{self.project}/{self.service}"
            )
            return self._adopt(state)

    def _adopt(self, state: dict[str, Any]) -> str:
        self._router = RouterClient(str(state["admin"]))
        self._url = f"http://{state['listen']}"
        return self._url

    async def route(self, routes: Sequence[VersionRoute], stable: str | None) -> RouteTable:
        return await self.router.apply(list(routes), stable)

    async def table(self) -> RouteTable:
        return await self.router.table()

    async def stats(self, window_s: float) -> dict[str, Any]:
        return await self.router.stats(window_s)

    # -- instances ----------------------------------------------------------------------------

    def _record_path(self, instance_id: str) -> Path:
        return self.root / "instances" / f"{instance_id}.json"

    def _save(self, instance: Instance) -> None:
        path = self._record_path(instance.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(instance.encode())
        os.replace(tmp, path)

    async def instances(self) -> list[Instance]:
        folder = self.root / "instances"
        if not folder.is_dir():
            return []
        found = []
        for path in sorted(folder.glob("*.json")):
            try:
                found.append(Instance.decode(path.read_text()))
            except (OSError, ValueError, TypeError):
                log.warning("ignoring unreadable instance record %s", path)
        return sorted(found, key=lambda i: (i.version, i.replica, i.started))

    async def start(self, app: AppSpec, track: Track, replica: int) -> Instance:
        instance_id = f"{app.version}-{replica}-{uuid.uuid4().hex[:6]}"
        instance = await self._launch(app, instance_id, track, replica)
        self._save(instance)
        log.info(
            "%s %s replica %d (%s) started at %s", self.service, app.version, replica, track, instance.address
        )
        return instance

    async def mark(self, instance: Instance, *, track: str, retire_at: float | None) -> Instance:
        updated = replace(instance, track=track, retire_at=retire_at)
        self._save(updated)
        return updated

    async def healthy(self, instance: Instance, path: str) -> bool:
        try:
            async with httpx.AsyncClient(timeout=HEALTH_TIMEOUT_S) as http:
                response = await http.get(f"http://{instance.address}{path}")
        except httpx.HTTPError:
            return False
        return 200 <= response.status_code < 400

    async def wait_healthy(self, instance: Instance, path: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not await self.healthy(instance, path):
            if not await self.running(instance):
                raise InstanceFailed(
                    f"{self.service} {instance.version} replica {instance.replica} exited before it was "
                    f"healthy; its last output:\n{self.log_tail(instance)}"
                )
            if time.monotonic() > deadline:
                raise InstanceFailed(
                    f"{self.service} {instance.version} replica {instance.replica} did not answer "
                    f"{path} with 2xx within {timeout_s:.0f}s; its last output:\n{self.log_tail(instance)}"
                )
            await anyio.sleep(0.05)  # polling the health endpoint against the deadline

    def log_tail(self, instance: Instance, lines: int = 15) -> str:
        if not instance.log:
            return "(no log)"
        try:
            return "\n".join(Path(instance.log).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    async def stop(self, instance: Instance, *, drain_s: float = 30.0) -> None:
        """Wait until the router has no request in flight to it (up to ``drain_s``), then stop."""
        deadline = time.monotonic() + drain_s
        while self._router is not None and time.monotonic() < deadline:
            try:
                inflight = (await self.router.stats(0.001))["inflight"]
            except Exception:
                break
            if not inflight.get(instance.address):
                break
            await anyio.sleep(0.01)  # polling the upstream's requests in flight
        await self._terminate(instance)
        self._record_path(instance.id).unlink(missing_ok=True)
        log.info("%s %s replica %d stopped", self.service, instance.version, instance.replica)

    async def teardown(self) -> None:
        for instance in await self.instances():
            await self._terminate(instance)
        state = read_state(self.root / "router.json")
        if state:
            await terminate(int(state["pid"]), None)
        await anyio.to_thread.run_sync(lambda: shutil.rmtree(self.root, ignore_errors=True))
        self._router = None

    # -- what each runtime provides -----------------------------------------------------------

    async def _launch(self, app: AppSpec, instance_id: str, track: Track, replica: int) -> Instance:
        raise NotImplementedError

    async def _terminate(self, instance: Instance) -> None:
        raise NotImplementedError

    async def running(self, instance: Instance) -> bool:
        raise NotImplementedError

    async def usage(self, instances: Sequence[Instance]) -> dict[str, Usage]:
        raise NotImplementedError
