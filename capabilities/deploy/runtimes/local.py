"""The local runtime: each replica is a real process on a free loopback port, behind the
service's router; CPU and memory come from psutil (the process and its children)."""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence
from pathlib import Path

import anyio
import psutil

from ...router import SpawnError, alive, spawn_detached, terminate
from ._routed import RoutedRuntime
from .base import AppSpec, Instance, InstanceFailed, Track, Usage

TERM_GRACE_S = 5.0


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the version binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class LocalRuntime(RoutedRuntime):
    name = "local"

    def __init__(self, cache_dir: Path, project: str, service: str, listen: str = "127.0.0.1:0") -> None:
        super().__init__(cache_dir, project, service, listen)
        self._procs: dict[int, psutil.Process] = {}

    async def _launch(self, app: AppSpec, instance_id: str, track: Track, replica: int) -> Instance:
        if not app.argv:
            raise InstanceFailed(f"{app.service} {app.version} has no start command")
        port = free_port()
        log_path = self.root / "logs" / f"{instance_id}.log"
        env = {**app.env, "PORT": str(port)}
        try:
            pid, created = await spawn_detached(app.argv, cwd=app.cwd, env=env, log_path=log_path)
        except SpawnError as exc:
            raise InstanceFailed(f"{app.service} {app.version}: {exc}") from None
        return Instance(
            id=instance_id,
            service=app.service,
            version=app.version,
            track=track,
            replica=replica,
            address=f"127.0.0.1:{port}",
            started=time.time(),
            pid=pid,
            created=created,
            log=str(log_path),
        )

    async def _terminate(self, instance: Instance) -> None:
        if instance.pid is not None:
            await terminate(instance.pid, instance.created, TERM_GRACE_S)
            self._procs.pop(instance.pid, None)

    async def running(self, instance: Instance) -> bool:
        return instance.pid is not None and alive(instance.pid, instance.created)

    async def usage(self, instances: Sequence[Instance]) -> dict[str, Usage]:
        """CPU percent since the previous call (0 on the first) and resident memory, per
        instance, counting the process's children (``npm start`` -> node)."""
        return await anyio.to_thread.run_sync(self._usage, list(instances))

    def _usage(self, instances: list[Instance]) -> dict[str, Usage]:
        found: dict[str, Usage] = {}
        for instance in instances:
            if instance.pid is None or not alive(instance.pid, instance.created):
                continue
            try:
                root = self._procs.get(instance.pid) or psutil.Process(instance.pid)
                self._procs[instance.pid] = root
                family = [root, *root.children(recursive=True)]
                cpu = 0.0
                memory = 0
                for proc in family:
                    cached = self._procs.setdefault(proc.pid, proc)
                    cpu += cached.cpu_percent(None)
                    memory += cached.memory_info().rss
            except psutil.Error:
                continue
            found[instance.id] = Usage(cpu_percent=round(cpu, 1), memory_mb=round(memory / 2**20, 1))
        return found
