"""The router's admin API (JSON over HTTP on loopback).

GET  /health              {"ok": true, "pid", "generation"}
GET  /routes              the route table (with its generation)
PUT  /routes              replace the table atomically: {"routes": [{"version", "weight",
                          "upstreams": ["127.0.0.1:port", ...]}], "stable": "v1"}
GET  /stats?window=1.0    per-version counts, status codes, error rate, p50/p95/p99 over
                          the last ``window`` seconds (and totals), requests in flight per
                          upstream
"""

from __future__ import annotations

import json
import logging
import os
from urllib.parse import parse_qs, urlsplit

import h11
from anyio.abc import ByteStream
from pydantic import ValidationError

from ._h11io import STREAM_ERRORS, BodyTooLarge, json_body, next_event, read_body, respond
from .state import RouterState
from .table import RouteTable

log = logging.getLogger(__name__)

MAX_ADMIN_BODY = 1024 * 1024


class Admin:
    def __init__(self, state: RouterState) -> None:
        self.state = state

    async def handle(self, client: ByteStream) -> None:
        conn = h11.Connection(h11.SERVER)
        async with client:
            while True:
                try:
                    event = await next_event(conn, client)
                    if not isinstance(event, h11.Request):
                        return
                    body = await read_body(conn, client, MAX_ADMIN_BODY)
                    status, reply = await self._dispatch(event, body)
                    await respond(conn, client, status, json_body(reply))
                except (h11.ProtocolError, BodyTooLarge, *STREAM_ERRORS):
                    return
                if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                    return
                conn.start_next_cycle()

    async def _dispatch(self, request: h11.Request, body: bytes) -> tuple[int, object]:
        url = urlsplit(request.target.decode("latin-1"))
        method = request.method.decode()
        if url.path == "/health" and method == "GET":
            return 200, {"ok": True, "pid": os.getpid(), "generation": self.state.table.generation}
        if url.path == "/routes" and method == "GET":
            return 200, self.state.table.model_dump(mode="json")
        if url.path == "/routes" and method == "PUT":
            try:
                table = RouteTable.model_validate(json.loads(body or b"{}"))
            except (ValueError, ValidationError) as exc:
                return 400, {"error": str(exc)}
            applied = await self.state.apply(table)
            return 200, applied.model_dump(mode="json")
        if url.path == "/stats" and method == "GET":
            query = parse_qs(url.query)
            try:
                window = float(query.get("window", ["10"])[0])
            except ValueError:
                return 400, {"error": "window must be a number of seconds"}
            return 200, {
                "generation": self.state.table.generation,
                "weights": self.state.table.weights(),
                **self.state.stats.snapshot(max(window, 0.001)),
            }
        return 404, {"error": f"no {method} {url.path}"}
