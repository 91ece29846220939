"""The webhook poster: payloads from a real git repository, GitHub's signature, posted to a real gateway."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import typer
from typer.testing import CliRunner

from blackboard import BoardSettings, TaskState
from capabilities.plan import ZERO_SHA, Trigger
from peers.cli_gateway import gateway, webhook_app
from peers.errors import PeerError
from peers.webhook import encode, github_payload, send, sign
from tests.support.gateway import SECRET, Gateway, running_gateway

pytestmark = pytest.mark.anyio


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, timeout=30
    ).stdout.strip()


def commit(repo: Path, message: str, files: dict[str, str | None]) -> str:
    """Write (or with None delete) files and commit them; returns the new sha."""
    for name, text in files.items():
        path = repo / name
        if text is None:
            git(repo, "rm", "-q", name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A real repository on ``main`` with two commits."""
    path = tmp_path / "shop"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "Ada Lovelace")
    git(path, "config", "user.email", "ada@example.com")
    git(path, "config", "commit.gpgsign", "false")
    path = path.resolve()
    commit(path, "Initial commit", {"README.md": "# shop\n", "old.txt": "bye\n"})
    commit(
        path,
        "Add the backend\n\nWith a health route.",
        {"backend/app.py": "print('hi')\n", "README.md": "# shop\n\nA shop.\n", "old.txt": None},
    )
    return path


def test_sign_matches_githubs_documented_example() -> None:
    # https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
    assert (
        sign(b"Hello, World!", "It's a Secret to Everybody")
        == "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


def test_sign_is_the_hex_hmac_sha256_of_the_body() -> None:
    body = encode({"zen": "Keep it logically awesome.", "n": "é"})
    assert body == '{"zen":"Keep it logically awesome.","n":"é"}'.encode()
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert sign(body, "s3cret") == f"sha256={expected}"


def test_a_push_payload_describes_the_tip_of_the_branch(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD~1")
    head = git(repo, "rev-parse", "HEAD")
    payload = github_payload(repo, "push")
    assert payload["ref"] == "refs/heads/main"
    assert (payload["before"], payload["after"]) == (first, head)
    assert payload["repository"]["full_name"] == "local/shop"
    assert payload["repository"]["clone_url"] == f"file://{repo}"
    assert payload["repository"]["default_branch"] == "main"
    [tip] = payload["commits"]
    assert tip["id"] == head and payload["head_commit"] == tip
    assert tip["message"] == "Add the backend\n\nWith a health route."
    assert tip["author"] == {"name": "Ada Lovelace", "email": "ada@example.com"}
    assert (tip["added"], tip["modified"], tip["removed"]) == (["backend/app.py"], ["README.md"], ["old.txt"])
    assert tip["timestamp"][:4].isdigit() and "T" in tip["timestamp"]
    assert payload["sender"]["login"] == "Ada Lovelace"
    json.dumps(payload)  # JSON all the way down


def test_a_push_from_the_root_lists_every_commit(repo: Path) -> None:
    payload = github_payload(repo, "push", before=ZERO_SHA)
    assert payload["before"] == ZERO_SHA and payload["created"] is True
    assert [c["message"] for c in payload["commits"]] == [
        "Initial commit",
        "Add the backend\n\nWith a health route.",
    ]
    assert payload["commits"][0]["added"] == ["README.md", "old.txt"]


def test_a_root_commit_pushes_from_zeros(tmp_path: Path) -> None:
    path = tmp_path / "solo"
    path.mkdir()
    git(path, "init", "-q", "-b", "trunk")
    git(path, "config", "user.name", "Solo")
    git(path, "config", "user.email", "solo@example.com")
    sha = commit(path, "Only commit", {"a file with spaces.txt": "x\n"})
    payload = github_payload(path, "push", sender="octocat")
    assert payload["before"] == ZERO_SHA and payload["after"] == sha
    assert payload["commits"][0]["added"] == ["a file with spaces.txt"]
    assert payload["repository"]["default_branch"] == "trunk"
    assert payload["sender"]["login"] == "octocat"


def test_a_pull_request_payload_goes_from_the_branch_into_its_base(repo: Path) -> None:
    base_sha = git(repo, "rev-parse", "main")
    git(repo, "switch", "-q", "-c", "feature/login")
    head_sha = commit(repo, "Add login", {"backend/login.py": "pass\n"})
    payload = github_payload(repo, "pull_request", number=7)
    assert payload["action"] == "opened" and payload["number"] == 7
    pr = payload["pull_request"]
    assert pr["number"] == 7 and pr["title"] == "Add login"
    assert (pr["head"]["ref"], pr["head"]["sha"]) == ("feature/login", head_sha)
    assert (pr["base"]["ref"], pr["base"]["sha"]) == ("main", base_sha)
    assert pr["head"]["repo"]["clone_url"] == f"file://{repo}"
    assert pr["base"]["repo"]["full_name"] == "local/shop"


def test_payload_errors_say_what_is_wrong(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(PeerError, match="not a branch or commit"):
        github_payload(repo, "push", branch="no-such-branch")
    with pytest.raises(PeerError, match="not a branch or commit"):
        github_payload(repo, "pull_request", base="develop")
    with pytest.raises(PeerError, match="event"):
        github_payload(repo, "issues")
    with pytest.raises(PeerError, match="failed"):
        github_payload(tmp_path / "not-a-repo-dir", "push")
    git(repo, "switch", "-q", "--detach", "HEAD")
    with pytest.raises(PeerError, match="detached"):
        github_payload(repo, "push")
    assert github_payload(repo, "push", branch="main")["ref"] == "refs/heads/main"


async def the_trigger(gw: Gateway, run_id: str) -> Trigger:
    [plan] = await gw.board.runs.tasks(run_id)
    assert plan.spec == "plan" and plan.state is TaskState.PENDING
    return Trigger.model_validate(plan.inputs["trigger"])


async def test_a_push_posted_to_the_gateway_starts_a_run_on_head(
    repo: Path, redis_settings: BoardSettings
) -> None:
    async with running_gateway(redis_settings) as gw:
        url = f"{gw.url}/webhooks/github"
        payload = github_payload(repo, "push", before=ZERO_SHA)
        response = await anyio.to_thread.run_sync(lambda: send(url, "push", payload, SECRET))
        assert response.status_code == 202, response.text
        assert response.request.headers["user-agent"] == "GitHub-Hookshot/orchestra"
        assert response.request.headers["x-hub-signature-256"] == sign(response.request.content, SECRET)
        run_id = response.json()["run"]
        trigger = await the_trigger(gw, run_id)
        assert trigger.commit == git(repo, "rev-parse", "HEAD") and trigger.branch == "main"
        assert trigger.repo == f"file://{repo}"
        assert trigger.changed == ("README.md", "backend/app.py", "old.txt")

        delivery = response.request.headers["x-github-delivery"]
        again = await anyio.to_thread.run_sync(lambda: send(url, "push", payload, SECRET, delivery=delivery))
        assert again.status_code == 200 and again.json() == {"run": run_id, "duplicate": True}
        wrong = await anyio.to_thread.run_sync(lambda: send(url, "push", payload, "not the secret"))
        assert wrong.status_code == 401
        assert len(await gw.board.runs.recent()) == 1


def cli() -> typer.Typer:
    """The commands registered as cli.py registers them, with its callback's ctx.obj."""
    app = typer.Typer()

    @app.callback()
    def main(ctx: typer.Context) -> None:
        ctx.obj = ctx.obj or BoardSettings()

    app.command()(gateway)
    app.add_typer(webhook_app, name="webhook")
    return app


def invoke(args: list[str], **kwargs: Any) -> Any:
    return CliRunner().invoke(cli(), args, **kwargs)


async def test_webhook_send_from_the_command_line(repo: Path, redis_settings: BoardSettings) -> None:
    git(repo, "switch", "-q", "-c", "feature/x")
    head = commit(repo, "Change the app", {"backend/app.py": "print('changed')\n"})
    async with running_gateway(redis_settings) as gw:

        def args(secret: str) -> list[str]:
            return [
                *("webhook", "send", "--event", "pull_request", "--repo", str(repo)),
                *("--url", f"{gw.url}/webhooks/github", "--secret", secret, "--number", "12"),
                *("--delivery", "cli-1"),
            ]

        result = await anyio.to_thread.run_sync(lambda: invoke(args(SECRET)))
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("202 ")
        run_id = json.loads(result.stdout.split(" ", 1)[1])["run"]
        trigger = await the_trigger(gw, run_id)
        assert (trigger.event, trigger.commit, trigger.branch, trigger.base, trigger.pr) == (
            "pull_request",
            head,
            "feature/x",
            "main",
            12,
        )
        assert trigger.delivery == "cli-1"

        refused = await anyio.to_thread.run_sync(lambda: invoke(args("wrong")))
        assert refused.exit_code == 1 and "401" in refused.stderr


def test_webhook_send_reports_what_is_wrong(repo: Path) -> None:
    base = ["webhook", "send", "--repo", str(repo), "--url", "http://127.0.0.1:9/x", "--secret", "s"]
    bad_event = invoke([*base, "--event", "issues"])
    assert bad_event.exit_code == 2 and "push or pull_request" in bad_event.stderr
    no_server = invoke([*base, "--event", "push"])
    assert no_server.exit_code == 2 and "cannot post" in no_server.stderr
    no_branch = invoke([*base, "--event", "push", "--branch", "nope"])
    assert no_branch.exit_code == 2 and "not a branch or commit" in no_branch.stderr


def test_the_gateway_command_needs_a_shared_board() -> None:
    result = invoke(["gateway"], obj=BoardSettings())
    assert result.exit_code == 2 and "REDIS_URL" in result.stderr


def test_the_gateway_command_says_when_it_cannot_listen(redis_settings: BoardSettings) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = invoke(["gateway", "--port", str(port)], obj=redis_settings)
    assert result.exit_code == 2 and "could not start" in result.stderr


def test_send_fails_cleanly_without_a_server() -> None:
    with pytest.raises(httpx.ConnectError):
        send("http://127.0.0.1:9/webhooks/github", "push", {}, "s", timeout_s=2)
