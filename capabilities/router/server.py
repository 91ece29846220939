"""The router process: a data listener, an admin listener, a state file; drains on SIGTERM."""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
from anyio.abc import ByteStream, Listener, SocketAttribute, SocketStream, TaskGroup

from .admin import Admin
from .proxy import Proxy
from .state import RouterState
from .table import split_address

log = logging.getLogger(__name__)

DRAIN_S = 10.0


async def serve(
    listen: str,
    admin: str,
    *,
    state_file: Path | None = None,
    name: str = "",
    timeout_s: float = 60.0,
) -> None:
    """Run until SIGTERM/SIGINT; then stop accepting and let requests in flight finish."""
    state = RouterState(name, state_file)
    state.restore()
    listen_host, listen_port = split_address(listen, any_port=True)
    admin_host, admin_port = split_address(admin, any_port=True)
    data_listener = await anyio.create_tcp_listener(
        local_host=listen_host, local_port=listen_port, reuse_port=False
    )
    admin_listener = await anyio.create_tcp_listener(local_host=admin_host, local_port=admin_port)
    state.listen = f"{listen_host}:{data_listener.extra(SocketAttribute.local_port)}"  # noqa: S610
    state.admin = f"{admin_host}:{admin_listener.extra(SocketAttribute.local_port)}"  # noqa: S610
    proxy = Proxy(state, timeout_s)
    async with anyio.create_task_group() as connections:
        async with anyio.create_task_group() as accepting:
            accepting.start_soon(_accept, data_listener, proxy.handle, connections)
            accepting.start_soon(_accept, admin_listener, Admin(state).handle, connections)
            state.save()  # the runtime waits for this file: the ports are bound from here on
            log.info("router %s listening on %s, admin on %s", name, state.listen, state.admin)
            with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
                async for _ in signals:
                    break
            accepting.cancel_scope.cancel()
        await _drain(state)
        connections.cancel_scope.cancel()
    await state.pool.close()
    log.info("router %s stopped", name)


async def _accept(
    listener: Listener[SocketStream], handler: Callable[[ByteStream], Awaitable[None]], tg: TaskGroup
) -> None:
    async with listener:
        await listener.serve(handler, tg)


async def _drain(state: RouterState) -> None:
    deadline = time.monotonic() + DRAIN_S
    while time.monotonic() < deadline:
        if not sum(state.stats.inflight.values()):
            return
        await anyio.sleep(0.01)  # polling the in-flight count against the drain deadline
