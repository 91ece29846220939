"""The data plane: accept client connections, pick a version and an upstream, forward.

Retries: a request whose connection is refused (or reset before any response byte, for an
idempotent method) goes to the version's next upstream, then to the stable version — so an
upstream that stopped between the table switch and the connect costs no failed request.
Draining: an upstream counts its requests in flight from the moment it is picked; a removed
upstream finishes those and the runtime stops its process only when the count is zero.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable
from enum import Enum

import anyio
import h11
from anyio.abc import ByteStream

from ._h11io import STREAM_ERRORS, BodyTooLarge, forwardable, json_body, next_event, read_body, respond, send
from ._pool import UpstreamConnection
from .state import RouterState

log = logging.getLogger(__name__)

IDEMPOTENT = frozenset({b"GET", b"HEAD", b"OPTIONS", b"PUT", b"DELETE", b"TRACE"})
VERSION_HEADER = b"x-orchestra-version"
ERROR_HEADER = b"x-orchestra-error"
"""Set on responses the router made itself (502, 503, 504), never on an upstream's."""


class _Outcome(Enum):
    NEXT = "next upstream"


class Proxy:
    def __init__(self, state: RouterState, timeout_s: float = 60.0) -> None:
        self.state = state
        self.timeout_s = timeout_s

    async def handle(self, client: ByteStream) -> None:
        conn = h11.Connection(h11.SERVER)
        async with client:
            while True:
                try:
                    event = await next_event(conn, client)
                except h11.RemoteProtocolError:
                    await self._quietly(respond(conn, client, 400, json_body({"error": "bad request"})))
                    return
                if not isinstance(event, h11.Request):
                    return
                started = time.monotonic()
                try:
                    if conn.they_are_waiting_for_100_continue:
                        await send(conn, client, h11.InformationalResponse(status_code=100, headers=[]))
                    body = await read_body(conn, client)
                except BodyTooLarge:
                    await self._quietly(respond(conn, client, 413, json_body({"error": "body too large"})))
                    return
                except (h11.RemoteProtocolError, *STREAM_ERRORS):
                    return
                if not await self._forward(event, body, conn, client, started):
                    return
                if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                    return
                conn.start_next_cycle()

    async def _forward(
        self, request: h11.Request, body: bytes, conn: h11.Connection, client: ByteStream, started: float
    ) -> bool:
        """Serve one request; False when the client connection must close."""
        selector = self.state.selector
        route = selector.pick()
        if route is None:
            return await self._error(conn, client, None, 503, "no version is routed", started)
        refused = 0
        for version, address in selector.attempts(route):
            self.state.stats.inflight[address] += 1
            try:
                outcome = await self._try(version, address, request, body, conn, client, started)
            finally:
                self.state.stats.inflight[address] -= 1
            if outcome is _Outcome.NEXT:
                refused += 1
                continue
            self.state.stats.version(route.version).retries += refused
            return outcome
        self.state.stats.version(route.version).retries += refused
        return await self._error(
            conn, client, route.version, 502, f"no upstream of {route.version} accepted the request", started
        )

    async def _try(
        self,
        version: str,
        address: str,
        request: h11.Request,
        body: bytes,
        conn: h11.Connection,
        client: ByteStream,
        started: float,
    ) -> bool | _Outcome:
        for _fresh_retry in range(2):
            try:
                up = await self.state.pool.acquire(address)
            except (OSError, TimeoutError):
                return _Outcome.NEXT
            try:
                with anyio.fail_after(self.timeout_s):
                    head = await self._exchange(up, request, body)
            except TimeoutError:
                await up.aclose()
                return await self._error(conn, client, version, 504, f"{version} did not answer", started)
            except (h11.ProtocolError, *STREAM_ERRORS):
                await up.aclose()
                if request.method in IDEMPOTENT:
                    if up.reused:
                        continue  # a stale keep-alive connection: once more on a fresh one
                    return _Outcome.NEXT  # accepted then reset before answering (shutting down)
                return await self._error(
                    conn, client, version, 502, f"{version} dropped the request", started
                )
            return await self._relay(up, head, version, conn, client, started)
        return _Outcome.NEXT

    async def _exchange(self, up: UpstreamConnection, request: h11.Request, body: bytes) -> h11.Response:
        headers = [(n, v) for n, v in forwardable(list(request.headers)) if n != b"content-length"]
        if not any(n == b"host" for n, _ in headers):
            headers.append((b"host", up.address.encode()))
        headers += [(b"content-length", str(len(body)).encode()), (b"x-forwarded-proto", b"http")]
        await send(
            up.conn, up.stream, h11.Request(method=request.method, target=request.target, headers=headers)
        )
        if body:
            await send(up.conn, up.stream, h11.Data(data=body))
        await send(up.conn, up.stream, h11.EndOfMessage())
        while True:
            event = await next_event(up.conn, up.stream)
            if isinstance(event, h11.Response):
                return event
            if not isinstance(event, h11.InformationalResponse):
                raise h11.RemoteProtocolError(f"expected a response, got {type(event).__name__}")

    async def _relay(
        self,
        up: UpstreamConnection,
        head: h11.Response,
        version: str,
        conn: h11.Connection,
        client: ByteStream,
        started: float,
    ) -> bool:
        headers = [*forwardable(list(head.headers)), (VERSION_HEADER, version.encode())]
        try:
            await send(
                conn, client, h11.Response(status_code=head.status_code, headers=headers, reason=head.reason)
            )
        except STREAM_ERRORS:
            await up.aclose()
            return False
        while True:
            try:
                event = await next_event(up.conn, up.stream)
            except (h11.ProtocolError, *STREAM_ERRORS):
                await up.aclose()
                self.state.stats.record(
                    version, head.status_code, time.monotonic() - started, proxy_error=True
                )
                return False  # the response is cut: the client must see the connection close
            try:
                if isinstance(event, h11.Data):
                    await send(conn, client, h11.Data(data=event.data))
                elif isinstance(event, h11.EndOfMessage):
                    await send(conn, client, h11.EndOfMessage())
                    break
            except STREAM_ERRORS:
                await up.aclose()
                return False
        self.state.stats.record(version, head.status_code, time.monotonic() - started)
        await self.state.pool.release(up, keep=up.address in self.state.upstreams)
        return True

    async def _error(
        self,
        conn: h11.Connection,
        client: ByteStream,
        version: str | None,
        status: int,
        message: str,
        started: float,
    ) -> bool:
        if version is not None:
            self.state.stats.record(version, status, time.monotonic() - started, proxy_error=True)
        extra = [(ERROR_HEADER, b"1")]
        if version is not None:
            extra.append((VERSION_HEADER, version.encode()))
        return await self._quietly(respond(conn, client, status, json_body({"error": message}), extra=extra))

    @staticmethod
    async def _quietly(sending: Awaitable[None]) -> bool:
        try:
            await sending
        except (h11.LocalProtocolError, *STREAM_ERRORS):
            return False
        return True
