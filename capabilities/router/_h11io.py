"""h11 over anyio byte streams: read the next event, send events, plain responses."""

from __future__ import annotations

import json
from typing import Any

import anyio
import h11
from anyio.abc import ByteStream

READ_SIZE = 65536
MAX_BODY = 32 * 1024 * 1024
"""Request bodies are buffered (so a refused connection can be retried); larger ones get 413."""

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"expect",
    }
)

STREAM_ERRORS = (
    OSError,
    anyio.EndOfStream,
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
)


class BodyTooLarge(Exception):
    """The request body is over MAX_BODY."""


async def next_event(conn: h11.Connection, stream: ByteStream) -> Any:
    """The next h11 event; end of stream becomes ``h11.ConnectionClosed`` (or a protocol error
    if it cut a message short)."""
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return event
        try:
            data = await stream.receive(READ_SIZE)
        except STREAM_ERRORS:
            data = b""
        conn.receive_data(data)


async def read_body(conn: h11.Connection, stream: ByteStream, limit: int = MAX_BODY) -> bytes:
    """The rest of the current message's body, up to EndOfMessage."""
    parts: list[bytes] = []
    size = 0
    while True:
        event = await next_event(conn, stream)
        if isinstance(event, h11.Data):
            size += len(event.data)
            if size > limit:
                raise BodyTooLarge
            parts.append(bytes(event.data))
        elif isinstance(event, h11.EndOfMessage):
            return b"".join(parts)
        else:
            raise h11.RemoteProtocolError(f"unexpected {type(event).__name__} in a body")


async def send(conn: h11.Connection, stream: ByteStream, event: Any) -> None:
    data = conn.send(event)
    if data:
        await stream.send(data)


async def respond(
    conn: h11.Connection,
    stream: ByteStream,
    status: int,
    body: bytes,
    *,
    content_type: bytes = b"application/json",
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send(conn, stream, h11.Response(status_code=status, headers=headers))
    await send(conn, stream, h11.Data(data=body))
    await send(conn, stream, h11.EndOfMessage())


def json_body(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def forwardable(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Headers a proxy passes on: without hop-by-hop ones (and those ``Connection`` names)."""
    named = {
        token.strip().lower()
        for name, value in headers
        if name == b"connection"
        for token in value.split(b",")
    }
    return [(n, v) for n, v in headers if n not in HOP_BY_HOP and n not in named]
