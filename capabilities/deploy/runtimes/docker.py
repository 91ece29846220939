"""The docker runtime: each replica is a container (labels name its project, service, version,
track and replica), published on a free loopback port and routed by the same local router.

The container configuration and the usage arithmetic are pure functions (tested without an
engine); the engine is reached through the docker SDK, imported only when used.
"""

from __future__ import annotations

import importlib
import re
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import anyio

from ._routed import RoutedRuntime
from .base import AppSpec, Instance, InstanceFailed, Track, Usage
from .local import free_port

LABEL = "dev.orchestra"
STOP_TIMEOUT_S = 10


def labels(project: str, service: str, version: str, track: str, replica: int) -> dict[str, str]:
    return {
        f"{LABEL}.project": project,
        f"{LABEL}.service": service,
        f"{LABEL}.version": version,
        f"{LABEL}.track": track,
        f"{LABEL}.replica": str(replica),
    }


def container_name(project: str, instance_id: str, service: str) -> str:
    """A valid, unique container name: ``orchestra-<project>-<service>-<instance>``."""
    raw = f"orchestra-{project}-{service}-{instance_id}"
    return re.sub(r"[^a-zA-Z0-9_.-]", "-", raw)[:128]


def container_config(
    app: AppSpec,
    *,
    project: str,
    instance_id: str,
    track: str,
    replica: int,
    host_port: int,
    host: str = "127.0.0.1",
) -> dict[str, Any]:
    """Keyword arguments of ``containers.run`` for one replica. The environment may hold
    secret values: the result is handed to the engine, never logged or stored."""
    if not app.image:
        raise InstanceFailed(f"{app.service} {app.version} has no image to run in a container")
    port = app.container_port or 8000
    return {
        "image": app.image,
        "name": container_name(project, instance_id, app.service),
        "detach": True,
        "labels": labels(project, app.service, app.version, track, replica),
        "environment": {**app.env, "PORT": str(port), "ORCHESTRA_VERSION": app.version},
        "ports": {f"{port}/tcp": (host, host_port)},
        "restart_policy": {"Name": "on-failure", "MaximumRetryCount": 3},
        "init": True,
        "stop_signal": "SIGTERM",
    }


def cpu_percent(stats: dict[str, Any]) -> float:
    """CPU percent from one ``container.stats(stream=False)`` answer (docker's own formula)."""
    cpu, pre = stats.get("cpu_stats", {}), stats.get("precpu_stats", {})
    cpu_delta = cpu.get("cpu_usage", {}).get("total_usage", 0) - pre.get("cpu_usage", {}).get(
        "total_usage", 0
    )
    system_delta = cpu.get("system_cpu_usage", 0) - pre.get("system_cpu_usage", 0)
    cpus = cpu.get("online_cpus") or len(cpu.get("cpu_usage", {}).get("percpu_usage") or []) or 1
    if cpu_delta <= 0 or system_delta <= 0:
        return 0.0
    return round(100.0 * float(cpu_delta) / float(system_delta) * float(cpus), 1)


def memory_mb(stats: dict[str, Any]) -> float:
    """Memory in use without the page cache (what ``docker stats`` shows)."""
    memory = stats.get("memory_stats", {})
    cache = memory.get("stats", {}).get("inactive_file", memory.get("stats", {}).get("cache", 0))
    return round(max(0.0, float(memory.get("usage", 0)) - float(cache)) / 2**20, 1)


def docker_client() -> Any:
    """``docker.from_env()``; raises InstanceFailed when the SDK or the engine is missing."""
    try:
        docker = importlib.import_module("docker")
    except ImportError:
        raise InstanceFailed("the docker runtime needs the docker SDK (pip install docker)") from None
    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:
        raise InstanceFailed(f"no Docker engine is reachable: {exc}") from None
    return client


class DockerRuntime(RoutedRuntime):
    name = "docker"

    def __init__(self, cache_dir: Path, project: str, service: str, listen: str = "127.0.0.1:0") -> None:
        super().__init__(cache_dir, project, service, listen)
        self._client: Any = None

    async def _docker(self) -> Any:
        if self._client is None:
            self._client = await anyio.to_thread.run_sync(docker_client)
        return self._client

    async def _launch(self, app: AppSpec, instance_id: str, track: Track, replica: int) -> Instance:
        client = await self._docker()
        host_port = free_port()
        config = container_config(
            app,
            project=self.project,
            instance_id=instance_id,
            track=track,
            replica=replica,
            host_port=host_port,
        )
        container = await anyio.to_thread.run_sync(lambda: client.containers.run(**config))
        return Instance(
            id=instance_id,
            service=app.service,
            version=app.version,
            track=track,
            replica=replica,
            address=f"127.0.0.1:{host_port}",
            started=time.time(),
            container=str(container.id),
        )

    async def _container(self, instance: Instance) -> Any:
        client = await self._docker()
        try:
            return await anyio.to_thread.run_sync(client.containers.get, instance.container)
        except Exception:
            return None

    async def _terminate(self, instance: Instance) -> None:
        container = await self._container(instance)
        if container is not None:
            await anyio.to_thread.run_sync(lambda: container.stop(timeout=STOP_TIMEOUT_S))
            await anyio.to_thread.run_sync(lambda: container.remove(force=True))

    async def running(self, instance: Instance) -> bool:
        container = await self._container(instance)
        return container is not None and container.status == "running"

    async def usage(self, instances: Sequence[Instance]) -> dict[str, Usage]:
        found: dict[str, Usage] = {}
        for instance in instances:
            container = await self._container(instance)
            if container is None:
                continue
            stats: dict[str, Any] = await anyio.to_thread.run_sync(partial(container.stats, stream=False))
            found[instance.id] = Usage(cpu_percent=cpu_percent(stats), memory_mb=memory_mb(stats))
        return found
