"""A local server speaking Slack's Web API, and requests signed the way Slack signs them.

``FakeSlack`` is a real HTTP server on loopback (aiohttp): it answers ``auth.test``,
``chat.postMessage``, ``chat.update``, ``chat.postEphemeral``, ``usergroups.*``, ``views.*`` and
``apps.connections.open`` like Slack does, checks the bearer token, and records every call.
Its ``/socket`` endpoint is a Socket Mode WebSocket: tests push envelopes and read the acks.
``response_url``s point at it too, so ``respond()`` calls are recorded.

``slash_command`` and ``button_click`` build the form-encoded bodies Slack posts, and
``signed`` adds ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` computed here, from
Slack's documented scheme (``v0=HMAC-SHA256(secret, "v0:{ts}:{body}")``), independently of bolt.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import WSMsgType, web

BOT_TOKEN = "xoxb-test-bot-token-0123456789"  # pragma: allowlist secret
APP_TOKEN = "xapp-1-test-app-token-0123456789"  # pragma: allowlist secret
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"  # pragma: allowlist secret
BOT_USER = "U0BOT"
TEAM = "T0TEAM"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    ok: bool


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    updates: int = 0


class FakeSlack:
    def __init__(
        self, *, groups: dict[str, tuple[str, list[str]]] | None = None, closed: frozenset[str] = frozenset()
    ) -> None:
        self.groups = groups or {}
        """handle -> (group id, member user ids)."""
        self.closed = set(closed)
        """Channels the bot is no member of: posting there fails with ``not_in_channel``."""
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], Message] = {}
        self.responses: list[dict[str, Any]] = []
        self.socket_acks: list[dict[str, Any]] = []
        self.url = ""
        self._ts = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []

    # -- what was recorded -----------------------------------------------------------------

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def posts(self) -> list[Call]:
        """Everything the bot said where others can see it (posts and updates)."""
        return [c for c in self.calls if c.method in ("chat.postMessage", "chat.update")]

    def thread(self, channel: str, ts: str) -> list[Message]:
        """The replies in the thread of the message ``ts``, oldest first."""
        return sorted(
            (m for m in self.messages.values() if m.channel == channel and m.thread_ts == ts),
            key=lambda m: m.ts,
        )

    def tops(self) -> list[Message]:
        """Messages that start threads (not replies)."""
        return sorted((m for m in self.messages.values() if m.thread_ts is None), key=lambda m: m.ts)

    def everything_said(self) -> str:
        return json.dumps([c.args for c in self.calls] + self.responses)

    # -- the server --------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)  # the SDK reads (usergroups.*) with GET
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.method == "POST":
            args.update(parse_qsl(await request.text()))
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or args.pop(
            "token", ""
        )
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        ok = hmac.compare_digest(bearer, expected)
        self.calls.append(Call(method, args, ok))
        if not ok:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        return web.json_response(self._answer(method, args))

    def _answer(self, method: str, a: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake.slack.test/",
                "team": "Test",
                "user": "orchestra",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": "B0BOT",
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            if not a.get("channel") or not (a.get("text") or a.get("blocks")):
                return {"ok": False, "error": "no_text" if a.get("channel") else "channel_not_found"}
            if a["channel"] in self.closed:
                return {"ok": False, "error": "not_in_channel"}
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            blocks = _blocks(a.get("blocks"))
            message = Message(a["channel"], ts, str(a.get("text", "")), blocks, a.get("thread_ts"))
            self.messages[(message.channel, ts)] = message
            return {
                "ok": True,
                "channel": message.channel,
                "ts": ts,
                "message": {"type": "message", "user": BOT_USER, "text": message.text, "ts": ts},
            }
        if method == "chat.update":
            message = self.messages.get((str(a.get("channel")), str(a.get("ts"))))
            if message is None:
                return {"ok": False, "error": "message_not_found"}
            message.text, message.blocks = str(a.get("text", "")), _blocks(a.get("blocks"))
            message.updates += 1
            return {"ok": True, "channel": message.channel, "ts": message.ts, "text": message.text}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{int(time.time())}.{next(self._ts):06d}"}
        if method == "usergroups.list":
            return {
                "ok": True,
                "usergroups": [{"id": i, "handle": h, "name": h} for h, (i, _) in self.groups.items()],
            }
        if method == "usergroups.users.list":
            for group_id, users in self.groups.values():
                if group_id == a.get("usergroup"):
                    return {"ok": True, "users": users}
            return {"ok": False, "error": "no_such_subteam"}
        if method.startswith("views."):
            return {"ok": True, "view": {"id": f"V{next(self._ts):08d}", **_json(a.get("view"))}}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.url.replace("http://", "ws://") + "/socket"}
        return {"ok": False, "error": "unknown_method"}

    async def _response_url(self, request: web.Request) -> web.Response:
        self.responses.append({"id": request.match_info["id"], **(await request.json())})
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP"}})
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(msg.data))
        self._sockets.remove(ws)
        return ws

    @property
    def socket_connected(self) -> bool:
        return bool(self._sockets)

    async def send_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        """Push a Socket Mode envelope (``slash_commands``, ``interactive``) to the connected bot."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": True,
        }
        await self._sockets[-1].send_json(envelope)
        return envelope_id

    def response_url(self) -> str:
        return f"{self.url}/response/{uuid.uuid4().hex}"


@asynccontextmanager
async def fake_slack(**options: Any) -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(**options)
    app = web.Application()
    app.router.add_post("/api/{method}", fake._api)
    app.router.add_get("/api/{method}", fake._api)
    app.router.add_post("/response/{id}", fake._response_url)
    app.router.add_get("/socket", fake._socket)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    fake.url = f"http://{host}:{port}"
    try:
        yield fake
    finally:
        for ws in list(fake._sockets):
            await ws.close()
        await runner.cleanup()


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) else {}


def _blocks(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, list) else []


# -- requests as Slack sends them --------------------------------------------------------------


def signature(body: bytes, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed(body: bytes, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature(body, ts, secret),
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    }


def command_payload(
    text: str,
    *,
    user: str = "U0ALICE",
    channel: str = "C0OPS",
    command: str = "/orchestra",
    response_url: str = "",
    trigger_id: str | None = None,
) -> dict[str, str]:
    return {
        "token": "deprecated-verification-token",  # pragma: allowlist secret
        "team_id": TEAM,
        "team_domain": "test",
        "channel_id": channel,
        "channel_name": "ops",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0APP",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}",
    }


def slash_command(text: str, **options: Any) -> bytes:
    """The form-encoded body of ``/orchestra <text>``."""
    return urlencode(command_payload(text, **options)).encode()


def action_payload(
    action_id: str,
    value: str,
    *,
    user: str = "U0ALICE",
    channel: str = "C0OPS",
    message_ts: str = "",
    response_url: str = "",
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A0APP",
        "token": "deprecated-verification-token",  # pragma: allowlist secret
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}",
        "team": {"id": TEAM, "domain": "test"},
        "channel": {"id": channel, "name": "ops"},
        "message": {"type": "message", "ts": message_ts, "text": ""},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "approval",
                "type": "button",
                "value": value,
                "text": {"type": "plain_text", "text": action_id},
                "action_ts": str(time.time()),
            }
        ],
    }


def button_click(action_id: str, value: str, **options: Any) -> bytes:
    """The body Slack posts when a button is clicked: ``payload=<json>``, form-encoded."""
    return urlencode({"payload": json.dumps(action_payload(action_id, value, **options))}).encode()
