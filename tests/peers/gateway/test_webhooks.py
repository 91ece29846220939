"""GitHub webhooks into a real gateway (uvicorn on a free port), signed as GitHub signs, on a real board."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest

from blackboard import Board, BoardSettings, TaskState
from capabilities.plan import ZERO_SHA, Trigger
from peers.gateway.webhooks import BadPayload, trigger_from
from tests.support.gateway import HOOK, SECRET, TOKEN, post, running_gateway, signature

pytestmark = pytest.mark.anyio

SHA1 = "1" * 40
SHA2 = "2" * 40


def push_payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "ref": "refs/heads/feature/login",
        "before": SHA1,
        "after": SHA2,
        "created": False,
        "deleted": False,
        "forced": False,
        "repository": {
            "name": "shop",
            "full_name": "acme/shop",
            "clone_url": "https://github.com/acme/shop.git",
            "default_branch": "main",
        },
        "commits": [
            {"id": SHA1, "added": ["backend/app.py"], "modified": ["README.md"], "removed": []},
            {"id": SHA2, "added": [], "modified": ["backend/app.py"], "removed": ["old.txt"]},
        ],
        "head_commit": {"id": SHA2},
        "pusher": {"name": "octocat"},
        "sender": {"login": "octocat"},
    }
    payload.update(changes)
    return payload


def pr_payload(action: str = "opened", number: int = 42) -> dict[str, Any]:
    fork = {"full_name": "dev/shop", "clone_url": "https://github.com/dev/shop.git"}
    upstream = {"full_name": "acme/shop", "clone_url": "https://github.com/acme/shop.git"}
    return {
        "action": action,
        "number": number,
        "pull_request": {
            "number": number,
            "title": "Add login",
            "head": {"ref": "login", "sha": SHA2, "repo": fork},
            "base": {"ref": "main", "sha": SHA1, "repo": upstream},
        },
        "repository": upstream,
        "sender": {"login": "dev"},
    }


async def event_count(board: Board) -> int:
    return sum([await board.core.redis.xlen(p.events) for p in board.keys.all_partitions()])


async def assert_nothing_posted(board: Board, events_before: int) -> None:
    assert await board.runs.recent() == []
    assert await event_count(board) == events_before


async def the_trigger(board: Board, run_id: str) -> Trigger:
    tasks = await board.runs.tasks(run_id)
    assert [(t.spec, t.capability, t.state) for t in tasks] == [("plan", "plan", TaskState.PENDING)]
    return Trigger.model_validate(tasks[0].inputs["trigger"])


async def test_a_signed_push_starts_one_run_with_its_trigger(
    redis_settings: BoardSettings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="peers.gateway")
    async with running_gateway(redis_settings) as gw:
        response = await post(gw, "push", push_payload(), delivery="d-push-1")
        assert response.status_code == 202, response.text
        body = response.json()
        assert body["duplicate"] is False
        run = await gw.board.runs.get(body["run"])
        assert (run.meta.trigger, run.meta.repo, run.meta.commit, run.meta.branch) == (
            "push",
            "https://github.com/acme/shop.git",
            SHA2,
            "feature/login",
        )
        trigger = await the_trigger(gw.board, run.id)
        assert trigger.event == "push" and trigger.source == "webhook"
        assert trigger.repo == "https://github.com/acme/shop.git"
        assert trigger.commit == SHA2 and trigger.branch == "feature/login"
        assert trigger.changed == ("README.md", "backend/app.py", "old.txt")
        assert trigger.full_name == "acme/shop" and trigger.sender == "octocat"
        assert trigger.delivery == "d-push-1"
    assert "event=push delivery=d-push-1 outcome=accepted run=" + run.id in caplog.text
    assert SECRET not in caplog.text and TOKEN not in caplog.text


async def test_a_repeated_delivery_returns_the_first_run(redis_settings: BoardSettings) -> None:
    async with running_gateway(redis_settings) as gw:
        first = await post(gw, "push", push_payload(), delivery="d-dup")
        assert first.status_code == 202
        events = await event_count(gw.board)
        again = await post(gw, "push", push_payload(), delivery="d-dup")
        assert again.status_code == 200
        assert again.json() == {"run": first.json()["run"], "duplicate": True}
        assert [r.id for r in await gw.board.runs.recent()] == [first.json()["run"]]
        assert await event_count(gw.board) == events


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": "sha1=whatever"},
        {"X-Hub-Signature-256": ""},
        {"X-Hub-Signature-256": signature(json.dumps(push_payload()).encode(), "another secret")},
    ],
    ids=["wrong", "malformed", "empty", "other-secret"],
)
async def test_a_bad_signature_is_refused_and_posts_nothing(
    redis_settings: BoardSettings, headers: dict[str, str]
) -> None:
    async with running_gateway(redis_settings) as gw:
        before = await event_count(gw.board)
        response = await post(gw, "push", push_payload(), headers=headers)
        assert response.status_code == 401
        assert "signature" in response.json()["detail"].lower()
        await assert_nothing_posted(gw.board, before)


async def test_a_missing_signature_is_refused_and_posts_nothing(redis_settings: BoardSettings) -> None:
    async with running_gateway(redis_settings) as gw:
        before = await event_count(gw.board)
        response = await post(gw, "push", push_payload(), secret=None)
        assert response.status_code == 401
        await assert_nothing_posted(gw.board, before)


async def test_the_signature_covers_the_exact_bytes(redis_settings: BoardSettings) -> None:
    """A body re-serialized after signing (same JSON, other bytes) no longer matches."""
    async with running_gateway(redis_settings) as gw:
        signed = json.dumps(push_payload()).encode()
        sent = json.dumps(push_payload(), indent=2).encode()
        response = await post(gw, "push", sent, headers={"X-Hub-Signature-256": signature(signed)})
        assert response.status_code == 401
        assert await gw.board.runs.recent() == []


async def test_without_a_configured_secret_webhooks_are_refused(redis_settings: BoardSettings) -> None:
    async with running_gateway(redis_settings, webhook_secret=None) as gw:
        response = await post(gw, "push", push_payload())
        assert response.status_code == 503
        assert "ORCHESTRA_WEBHOOK_SECRET" in response.json()["detail"]
        assert await gw.board.runs.recent() == []


async def test_a_body_over_the_cap_is_refused_by_its_content_length(redis_settings: BoardSettings) -> None:
    async with running_gateway(redis_settings, max_body_bytes=1024) as gw:
        before = await event_count(gw.board)
        big = push_payload(padding="x" * 2048)
        response = await post(gw, "push", big)
        assert response.status_code == 413
        await assert_nothing_posted(gw.board, before)


async def test_a_chunked_body_over_the_cap_is_refused_while_it_is_read(redis_settings: BoardSettings) -> None:
    async with running_gateway(redis_settings, max_body_bytes=1024) as gw:
        before = await event_count(gw.board)
        body = json.dumps(push_payload(padding="x" * 4096)).encode()

        async def chunks() -> AsyncIterator[bytes]:
            for i in range(0, len(body), 512):
                yield body[i : i + 512]

        headers = {
            "X-GitHub-Event": "push",
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": signature(body),
            "Content-Type": "application/json",
        }
        response = await gw.client.post(HOOK, content=chunks(), headers=headers)
        assert response.request.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in response.request.headers
        assert response.status_code == 413
        await assert_nothing_posted(gw.board, before)


async def test_a_chunked_body_under_the_cap_is_accepted(redis_settings: BoardSettings) -> None:
    async with running_gateway(redis_settings, max_body_bytes=4096) as gw:
        body = json.dumps(push_payload()).encode()

        async def chunks() -> AsyncIterator[bytes]:
            for i in range(0, len(body), 100):
                yield body[i : i + 100]

        headers = {
            "X-GitHub-Event": "push",
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": signature(body),
        }
        response = await gw.client.post(HOOK, content=chunks(), headers=headers)
        assert response.status_code == 202, response.text


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2, 3]", b'"a string"', b"\xff\xfe"])
async def test_a_signed_body_that_is_not_a_json_object_is_refused(
    redis_settings: BoardSettings, body: bytes
) -> None:
    async with running_gateway(redis_settings) as gw:
        before = await event_count(gw.board)
        response = await post(gw, "push", body)
        assert response.status_code == 400
        await assert_nothing_posted(gw.board, before)


async def test_a_delivery_without_an_id_is_refused(redis_settings: BoardSettings) -> None:
    async with running_gateway(redis_settings) as gw:
        body = json.dumps(push_payload()).encode()
        headers = {"X-GitHub-Event": "push", "X-Hub-Signature-256": signature(body)}
        response = await gw.client.post(HOOK, content=body, headers=headers)
        assert response.status_code == 400
        assert "X-GitHub-Delivery" in response.json()["detail"]
        assert await gw.board.runs.recent() == []


async def test_a_form_encoded_delivery_is_read_from_its_payload_field(redis_settings: BoardSettings) -> None:
    async with running_gateway(redis_settings) as gw:
        body = urlencode({"payload": json.dumps(push_payload())}).encode()
        response = await post(gw, "push", body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status_code == 202, response.text


async def test_ping_answers_with_zen(redis_settings: BoardSettings) -> None:
    async with running_gateway(redis_settings) as gw:
        response = await post(gw, "ping", {"zen": "Design for failure.", "hook_id": 1})
        assert response.status_code == 200
        assert response.json() == {"ok": True, "zen": "Design for failure."}
        assert await gw.board.runs.recent() == []


@pytest.mark.parametrize("action", ["opened", "synchronize", "reopened"])
async def test_a_pull_request_starts_a_run_for_its_head(redis_settings: BoardSettings, action: str) -> None:
    async with running_gateway(redis_settings) as gw:
        response = await post(gw, "pull_request", pr_payload(action))
        assert response.status_code == 202, response.text
        run = await gw.board.runs.get(response.json()["run"])
        assert run.meta.trigger == "pull_request" and run.meta.labels["pr"] == "42"
        trigger = await the_trigger(gw.board, run.id)
        assert trigger.event == "pull_request"
        assert trigger.repo == "https://github.com/dev/shop.git"
        assert (trigger.commit, trigger.branch, trigger.base, trigger.pr) == (SHA2, "login", "main", 42)
        assert trigger.full_name == "acme/shop" and trigger.changed is None


@pytest.mark.parametrize(
    ("event", "payload", "ignored"),
    [
        ("pull_request", pr_payload("closed"), "pull_request/closed"),
        ("pull_request", pr_payload("labeled"), "pull_request/labeled"),
        ("push", push_payload(after=ZERO_SHA, deleted=True, commits=[]), "push/deleted"),
        ("push", push_payload(ref="refs/tags/v1.0.0"), "push/tag"),
        ("issues", {"action": "opened", "issue": {"number": 1}}, "issues/opened"),
        ("create", {"ref": "v1", "ref_type": "tag"}, "create"),
    ],
    ids=["pr-closed", "pr-labeled", "branch-deleted", "tag", "issues", "create"],
)
async def test_events_that_start_nothing_are_acknowledged_and_ignored(
    redis_settings: BoardSettings, event: str, payload: dict[str, Any], ignored: str
) -> None:
    async with running_gateway(redis_settings) as gw:
        before = await event_count(gw.board)
        response = await post(gw, event, payload)
        assert response.status_code == 202
        assert response.json() == {"ignored": ignored}
        await assert_nothing_posted(gw.board, before)


@pytest.mark.parametrize(
    "payload",
    [
        push_payload(after="not-a-sha"),
        push_payload(repository={"full_name": "acme/shop"}),
        push_payload(repository={"clone_url": "ext::sh -c touch% /tmp/pwned"}),
        push_payload(ref="refs/heads/--upload-pack=evil"),
    ],
    ids=["sha", "no-clone-url", "ext-transport", "option-branch"],
)
async def test_a_signed_push_without_what_a_run_needs_is_refused(
    redis_settings: BoardSettings, payload: dict[str, Any]
) -> None:
    async with running_gateway(redis_settings) as gw:
        response = await post(gw, "push", payload)
        assert response.status_code == 400
        assert await gw.board.runs.recent() == []


def test_changed_paths_are_unknown_when_github_did_not_list_them_all() -> None:
    def changed(**changes: Any) -> tuple[str, ...] | None:
        trigger = trigger_from("push", push_payload(**changes), "d")
        assert isinstance(trigger, Trigger)
        return trigger.changed

    assert changed() == ("README.md", "backend/app.py", "old.txt")
    assert changed(commits=None) is None
    assert changed(forced=True, commits=[]) is None
    many = [{"id": SHA1, "added": [f"f{i}"], "modified": [], "removed": []} for i in range(2048)]
    assert changed(commits=many) is None
    assert changed(commits=many[:2047]) is not None
    with pytest.raises(BadPayload):
        changed(commits=[{"id": SHA1, "added": "not-a-list"}])
