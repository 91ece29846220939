"""GitHub webhooks in: verify, map the delivery to a Trigger, start one run per delivery.

The order of the checks is the point: the body is capped while it is read, the signature is
verified over the raw bytes before anything is parsed, and only then is the JSON looked at.
Nothing slow happens in the request (no git, no clone): GitHub gives a delivery 10 s, and the
peers do the work once the run is on the board.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from typing import Annotated, Any
from urllib.parse import parse_qs

import anyio
from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from blackboard import TRANSIENT_ERRORS, Board
from capabilities.plan import ZERO_SHA, Trigger, start_pipeline

from ..telemetry import trigger_span
from ..webhook import MAX_COMMITS, sign
from .metrics import GatewayMetrics
from .settings import GatewaySettings

log = logging.getLogger(__name__)

PATH = "/webhooks/github"
BOARD_DEADLINE_S = 8.0
"""How long creating the run may take: GitHub gives up on a delivery after 10 s."""
PR_ACTIONS = frozenset({"opened", "synchronize", "reopened"})
CLONE_SCHEMES = ("https://", "http://", "ssh://", "git://", "file://")
_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
_DELIVERY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")
_EVENT = re.compile(r"^[a-z_]{1,64}$")


class Accepted(BaseModel):
    """A run was started for the delivery (or had been, for a repeated delivery)."""

    run: str
    duplicate: bool


class Ignored(BaseModel):
    """The delivery was valid but starts nothing: ``<event>/<action>`` or why."""

    ignored: str


class Pong(BaseModel):
    """The answer to GitHub's ``ping`` when a hook is created."""

    ok: bool = True
    zen: str | None = None


class Problem(BaseModel):
    detail: str


class BadPayload(ValueError):
    """A verified delivery whose payload lacks what its event must carry."""


class _TooLarge(Exception):
    pass


def router(board: Board, settings: GatewaySettings, metrics: GatewayMetrics) -> APIRouter:
    r = APIRouter(tags=["webhooks"])

    @r.post(
        PATH,
        status_code=202,
        response_model=Accepted,
        summary="Receive a GitHub webhook delivery",
        responses={
            200: {"model": Accepted | Pong, "description": "A repeated delivery, or a ping."},
            202: {"model": Accepted | Ignored, "description": "A run was started, or the event is ignored."},
            400: {"model": Problem, "description": "Malformed JSON, a missing header or payload field."},
            401: {"model": Problem, "description": "Missing or wrong X-Hub-Signature-256."},
            413: {"model": Problem, "description": "The body is over the size cap."},
            503: {"model": Problem, "description": "No webhook secret is configured, or no board."},
        },
    )
    async def github(
        request: Request,
        x_github_event: Annotated[str | None, Header()] = None,
        x_github_delivery: Annotated[str | None, Header()] = None,
        x_hub_signature_256: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        event = "-"  # until the signature holds, the event header is not worth a metric label
        claimed = (x_github_event or "-")[:64]
        delivery = (x_github_delivery or "-")[:128]

        def answer(status: int, outcome: str, content: dict[str, Any], run: str = "-") -> JSONResponse:
            metrics.webhooks.labels(event, outcome).inc()
            log.info("webhook event=%s delivery=%s outcome=%s run=%s", claimed, delivery, outcome, run)
            return JSONResponse(content, status_code=status)

        def problem(status: int, outcome: str, detail: str) -> JSONResponse:
            return answer(status, outcome, {"detail": detail})

        secret = settings.webhook_secret
        if not secret:
            return problem(
                503,
                "unconfigured",
                "no webhook secret is configured (ORCHESTRA_WEBHOOK_SECRET): deliveries are refused",
            )
        try:
            body = await _read_capped(request, settings.max_body_bytes)
        except _TooLarge:
            return problem(413, "too_large", f"the body is over {settings.max_body_bytes} bytes")
        except BadPayload as exc:
            return problem(400, "bad_request", str(exc))
        if not x_hub_signature_256 or not hmac.compare_digest(
            x_hub_signature_256.encode("latin-1"), sign(body, secret).encode()
        ):
            return problem(401, "bad_signature", "X-Hub-Signature-256 is missing or does not match the body")
        if not x_github_event or not _EVENT.match(x_github_event):
            return problem(400, "bad_request", "X-GitHub-Event is missing or malformed")
        event = x_github_event
        if not x_github_delivery or not _DELIVERY.match(x_github_delivery):
            return problem(400, "bad_request", "X-GitHub-Delivery is missing or malformed")
        try:
            payload = _parse(body, request.headers.get("content-type", ""))
        except BadPayload as exc:
            return problem(400, "bad_request", str(exc))
        if event == "ping":
            zen = payload.get("zen")
            return answer(200, "pong", Pong(zen=zen if isinstance(zen, str) else None).model_dump())
        try:
            trigger = trigger_from(event, payload, x_github_delivery)
        except BadPayload as exc:
            return problem(400, "bad_request", str(exc))
        if isinstance(trigger, str):
            return answer(202, "ignored", Ignored(ignored=trigger).model_dump())
        try:
            # a redelivery finds the run if it was made; the trigger span roots the run's trace
            with anyio.fail_after(BOARD_DEADLINE_S), trigger_span("gateway", trigger) as root:
                created = await start_pipeline(
                    board, trigger, dedupe_key=f"github:{x_github_delivery}", traceparent=root.traceparent
                )
                root.run_created(created)
        except TRANSIENT_ERRORS as exc:
            log.warning("webhook delivery=%s: the board is unavailable: %s", delivery, exc)
            return problem(503, "board_unavailable", "the board is unavailable; redeliver later")
        if not created.created:
            return answer(
                200, "duplicate", Accepted(run=created.run_id, duplicate=True).model_dump(), created.run_id
            )
        metrics.runs_created.labels(trigger.event).inc()
        return answer(
            202, "accepted", Accepted(run=created.run_id, duplicate=False).model_dump(), created.run_id
        )

    return r


async def _read_capped(request: Request, limit: int) -> bytes:
    """The raw body, refused as soon as it is known to be over ``limit`` bytes: from
    Content-Length before reading, or while reading a body sent without one (chunked)."""
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise BadPayload("Content-Length is not a number")
        if int(length) > limit:
            raise _TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _TooLarge
    return bytes(body)


def _parse(body: bytes, content_type: str) -> dict[str, Any]:
    """The payload object; GitHub sends it as JSON, or form-encoded in a ``payload`` field."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadPayload("the body is not UTF-8") from None
    if content_type.split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded":
        try:
            fields = parse_qs(text, max_num_fields=10)
        except ValueError:
            raise BadPayload("a form-encoded delivery has too many fields") from None
        if "payload" not in fields:
            raise BadPayload("a form-encoded delivery has no payload field")
        text = fields["payload"][0]
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise BadPayload(f"the body is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise BadPayload(f"the payload is a JSON {type(payload).__name__}, not an object")
    return payload


def trigger_from(event: str, payload: dict[str, Any], delivery: str) -> Trigger | str:
    """The Trigger a delivery starts a run with, or why it starts none (``push/tag``, ...)."""
    try:
        if event == "push":
            return _push(payload, delivery)
        if event == "pull_request":
            return _pull_request(payload, delivery)
    except ValidationError as exc:
        raise BadPayload(f"the {event} payload does not make a trigger: {exc.errors()[0]['msg']}") from None
    action = payload.get("action")
    return f"{event}/{action}" if isinstance(action, str) else event


def _push(p: dict[str, Any], delivery: str) -> Trigger | str:
    ref = _str(p, "ref")
    if p.get("deleted") is True or p.get("after") == ZERO_SHA:
        return "push/deleted"
    if ref.startswith("refs/tags/"):
        return "push/tag"
    if not ref.startswith("refs/heads/"):
        return "push/not-a-branch"
    return Trigger(
        event="push",
        source="webhook",
        repo=_clone_url(p, "repository", "clone_url"),
        commit=_sha(p, "after"),
        branch=_branch(ref.removeprefix("refs/heads/")),
        full_name=_opt_str(p, "repository", "full_name"),
        name=_opt_str(p, "repository", "name"),
        changed=_changed(p),
        sender=_opt_str(p, "sender", "login"),
        delivery=delivery,
    )


def _changed(p: dict[str, Any]) -> tuple[str, ...] | None:
    """Paths the pushed commits touched; None when unknown: no commit list, a list GitHub
    truncated, or none listed (a forced push or a new branch of commits already known)."""
    commits = p.get("commits")
    if not isinstance(commits, list) or not commits or len(commits) >= MAX_COMMITS:
        return None
    paths: set[str] = set()
    for commit in commits:
        if not isinstance(commit, dict):
            raise BadPayload("push payload: commits holds something that is not an object")
        for key in ("added", "modified", "removed"):
            listed = commit.get(key) or []
            if not isinstance(listed, list) or not all(isinstance(x, str) for x in listed):
                raise BadPayload(f"push payload: commits[].{key} is not a list of paths")
            paths.update(listed)
    return tuple(sorted(paths))


def _pull_request(p: dict[str, Any], delivery: str) -> Trigger | str:
    action = p.get("action")
    if action not in PR_ACTIONS:
        return f"pull_request/{action}"
    if _get(p, "pull_request", "head").get("repo") is None:
        return "pull_request/head-repository-deleted"
    number = p.get("number", _get(p, "pull_request").get("number"))
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise BadPayload("pull_request payload: number is not a positive integer")
    return Trigger(
        event="pull_request",
        source="webhook",
        repo=_clone_url(p, "pull_request", "head", "repo", "clone_url"),
        commit=_sha(p, "pull_request", "head", "sha"),
        branch=_branch(_str(p, "pull_request", "head", "ref")),
        base=_branch(_str(p, "pull_request", "base", "ref")),
        pr=number,
        full_name=_opt_str(p, "pull_request", "base", "repo", "full_name")
        or _opt_str(p, "repository", "full_name"),
        name=_opt_str(p, "repository", "name"),
        sender=_opt_str(p, "sender", "login"),
        delivery=delivery,
    )


def _get(p: dict[str, Any], *path: str) -> dict[str, Any]:
    node: Any = p
    for i, key in enumerate(path):
        node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            raise BadPayload(f"the payload has no object {'.'.join(path[: i + 1])}")
    result: dict[str, Any] = node
    return result


def _opt_str(p: dict[str, Any], *path: str) -> str | None:
    try:
        value = _get(p, *path[:-1]).get(path[-1]) if len(path) > 1 else p.get(path[0])
    except BadPayload:
        return None
    return value if isinstance(value, str) and value else None


def _str(p: dict[str, Any], *path: str) -> str:
    value = _opt_str(p, *path)
    if value is None:
        raise BadPayload(f"the payload has no string {'.'.join(path)}")
    return value


def _sha(p: dict[str, Any], *path: str) -> str:
    value = _str(p, *path)
    if not _SHA.match(value):
        raise BadPayload(f"{'.'.join(path)} is not a commit sha")
    return value


def _branch(name: str) -> str:
    """A branch name the peers can hand to git as it is (git's own rules, in short)."""
    if (
        name.startswith("-")
        or len(name) > 255
        or any(c.isspace() or ord(c) < 32 for c in name)
        or ".." in name
    ):
        raise BadPayload(f"{name[:80]!r} is not a valid branch name")
    return name


def _clone_url(p: dict[str, Any], *path: str) -> str:
    url = _str(p, *path)
    if not url.startswith(CLONE_SCHEMES) or any(c.isspace() for c in url):
        raise BadPayload(f"{'.'.join(path)} is not an http(s), ssh, git or file URL")
    return url
