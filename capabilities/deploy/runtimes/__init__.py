"""Where versions run: ``local`` processes or ``docker`` containers, both behind the local router.

``RUNTIMES`` maps a service's ``runtime`` to its class; ``teardown`` stops everything a
project's runtimes started on this host (routers, processes, containers).
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import anyio

from ...config.models import OrchestraConfig, Service
from ...errors import TaskFailed
from ...router import RouterError, read_state, terminate
from ._routed import RoutedRuntime, runtime_root
from .base import AppSpec, Instance, InstanceFailed, Runtime, Track, Usage
from .docker import DockerRuntime, container_config, cpu_percent, labels, memory_mb
from .local import LocalRuntime, free_port

log = logging.getLogger(__name__)

RUNTIMES: dict[str, type[RoutedRuntime]] = {"local": LocalRuntime, "docker": DockerRuntime}


def listen_address(service: Service, *, any_port: bool = False) -> str:
    """The router's address: the service's port (plus ``ORCHESTRA_LOCAL_PORT_OFFSET``), or a free
    one when it has none, ``ORCHESTRA_LOCAL_PORTS=free``, or ``any_port`` (its port was taken)."""
    host = os.environ.get("ORCHESTRA_LOCAL_HOST", "127.0.0.1")
    if any_port or service.port is None or os.environ.get("ORCHESTRA_LOCAL_PORTS") == "free":
        return f"{host}:0"
    return f"{host}:{service.port + int(os.environ.get('ORCHESTRA_LOCAL_PORT_OFFSET', '0'))}"


def runtime_for(service: Service, cache_dir: Path, project: str, *, any_port: bool = False) -> RoutedRuntime:
    kind = RUNTIMES.get(service.runtime)
    if kind is None:
        raise TaskFailed(
            f"{service.name}: runtime {service.runtime!r} is not deployed by this peer "
            f"(it deploys {', '.join(sorted(RUNTIMES))})"
        )
    return kind(cache_dir, project, service.name, listen_address(service, any_port=any_port))


async def open_runtime(
    cache_dir: Path, config: OrchestraConfig, service: Service, *, any_port: bool = False
) -> RoutedRuntime:
    """The service's runtime with its router started or adopted (``any_port``: on a free port,
    the fix a diagnosis proposes when the configured one is taken)."""
    runtime = runtime_for(service, cache_dir, config.project.name or "default", any_port=any_port)
    try:
        await runtime.prepare()
    except RouterError as exc:
        raise TaskFailed(
            f"{service.name}: {exc} (free the port or set ORCHESTRA_LOCAL_PORT_OFFSET; a retry after "
            "a diagnosis takes a free one)"
        ) from None
    return runtime


async def teardown(cache_dir: Path, project: str) -> list[str]:
    """Stop the routers, processes and containers of ``project`` on this host; returns the
    services it found."""
    root = cache_dir / "runtime" / project
    if not root.is_dir():
        return []
    services = sorted(p.name for p in root.iterdir() if p.is_dir())
    for service in services:
        local = LocalRuntime(cache_dir, project, service)
        for instance in await local.instances():
            runtime = DockerRuntime(cache_dir, project, service) if instance.container else local
            try:
                await runtime._terminate(instance)
            except InstanceFailed as exc:
                log.warning("could not stop %s: %s", instance.id, exc)
        state = read_state(runtime_root(cache_dir, project, service) / "router.json")
        if state:
            await terminate(int(state["pid"]), None)
    await anyio.to_thread.run_sync(lambda: shutil.rmtree(root, ignore_errors=True))
    return services


__all__ = [
    "RUNTIMES",
    "AppSpec",
    "DockerRuntime",
    "Instance",
    "InstanceFailed",
    "LocalRuntime",
    "RoutedRuntime",
    "Runtime",
    "Track",
    "Usage",
    "container_config",
    "cpu_percent",
    "free_port",
    "labels",
    "listen_address",
    "memory_mb",
    "open_runtime",
    "runtime_for",
    "runtime_root",
    "teardown",
]
