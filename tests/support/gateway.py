"""A real gateway for tests: the app served by uvicorn on a free port, and signed posts to it."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import httpx

from blackboard import Board, BoardSettings, connect
from peers.gateway import GatewaySettings, create_app
from peers.gateway.app import server

from .redis_server import free_port
from .wait import eventually

SECRET = "webhook-secret-for-tests"  # pragma: allowlist secret
TOKEN = "api-token-for-tests"  # pragma: allowlist secret
HOOK = "/webhooks/github"


@dataclass
class Gateway:
    board: Board
    settings: GatewaySettings
    client: httpx.AsyncClient
    url: str


@asynccontextmanager
async def running_gateway(board_settings: BoardSettings, **overrides: Any) -> AsyncIterator[Gateway]:
    """The gateway app served by a real uvicorn on 127.0.0.1, around a board of its own."""
    values: dict[str, Any] = {"webhook_secret": SECRET, "api_token": TOKEN, "log_level": "warning"}
    values.update(overrides)
    settings = GatewaySettings(board=board_settings, host="127.0.0.1", port=free_port(), **values)
    url = f"http://127.0.0.1:{settings.port}"
    async with connect(board_settings) as board:
        srv = server(create_app(board, settings), settings)
        async with anyio.create_task_group() as tg, httpx.AsyncClient(base_url=url, timeout=10) as client:
            tg.start_soon(srv.serve)

            async def up() -> bool:
                try:
                    return (await client.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(up, what="the gateway answers /healthz")
            try:
                yield Gateway(board, settings, client, url)
            finally:
                srv.should_exit = True


def signature(body: bytes, secret: str = SECRET) -> str:
    """Computed here independently of peers.webhook.sign."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def post(
    gw: Gateway,
    event: str,
    payload: dict[str, Any] | bytes,
    *,
    delivery: str | None = None,
    secret: str | None = SECRET,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    sent = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/test",
    }
    if secret is not None:
        sent["X-Hub-Signature-256"] = signature(body, secret)
    sent.update(headers or {})
    return await gw.client.post(HOOK, content=body, headers=sent)
