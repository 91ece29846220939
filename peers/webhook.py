"""The webhook poster: GitHub-shaped push and pull_request deliveries from a local git repository.

    payload = github_payload(Path("."), "push")
    response = send("http://127.0.0.1:8080/webhooks/github", "push", payload, secret)

The payload holds the fields GitHub sends that the gateway and the planner read (and a few more
for realism); it is serialized once, and those exact bytes are signed (``X-Hub-Signature-256``)
and sent. Git runs as subprocesses with argument lists and a timeout, never through a shell.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx

from .errors import PeerError

ZERO_SHA = "0" * 40
MAX_COMMITS = 2048
"""GitHub lists at most this many commits in a push payload."""
USER_AGENT = "GitHub-Hookshot/orchestra"
EVENTS = ("push", "pull_request")


def sign(body: bytes, secret: str) -> str:
    """``X-Hub-Signature-256`` for ``body``: ``sha256=`` and the hex HMAC-SHA256, as GitHub signs."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(payload: dict[str, Any]) -> bytes:
    """The body of a delivery (compact JSON, UTF-8)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def send(
    url: str,
    event: str,
    payload: dict[str, Any],
    secret: str,
    *,
    delivery: str | None = None,
    timeout_s: float = 10.0,
) -> httpx.Response:
    """POST one delivery signed with ``secret``; the body is exactly the bytes that were signed."""
    body = encode(payload)
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(body, secret),
        "User-Agent": USER_AGENT,
        "Content-Type": "application/json",
    }
    with httpx.Client(timeout=timeout_s) as client:
        return client.post(url, content=body, headers=headers)


class _Git:
    """``git -C <repo> ...`` with a timeout; a failure becomes a PeerError with git's own words."""

    def __init__(self, repo: Path, timeout_s: float) -> None:
        self.repo = repo
        self.timeout_s = timeout_s

    def __call__(self, *args: str) -> str:
        binary = shutil.which("git")
        if binary is None:
            raise PeerError("git is not installed (it is needed to build a payload)")
        try:
            done = subprocess.run(
                [binary, "-C", str(self.repo), *args],
                capture_output=True,
                text=True,
                errors="replace",
                timeout=self.timeout_s,
                check=False,
                env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
            )
        except subprocess.TimeoutExpired:
            raise PeerError(f"git {args[0]} in {self.repo} took over {self.timeout_s}s") from None
        if done.returncode != 0:
            detail = done.stderr.strip().splitlines()
            raise PeerError(f"git {' '.join(args)} failed in {self.repo}: {detail[-1] if detail else '?'}")
        return done.stdout

    def maybe(self, *args: str) -> str | None:
        try:
            return self(*args).strip()
        except PeerError:
            return None


def github_payload(
    repo: Path,
    event: str,
    *,
    branch: str | None = None,
    base: str = "main",
    number: int = 1,
    before: str | None = None,
    sender: str | None = None,
    timeout_s: float = 30.0,
) -> dict[str, Any]:
    """A ``push`` or ``pull_request`` (opened) payload for ``branch`` (the current one by default).

    A push goes from ``before`` (the parent of the branch tip by default; 40 zeros for a root
    commit) to the tip. A pull request goes from ``branch`` into ``base``.
    """
    if event not in EVENTS:
        raise PeerError(f"event {event!r} is not one of {', '.join(EVENTS)}")
    git = _Git(repo, timeout_s)
    root = Path(git("rev-parse", "--show-toplevel").strip()).resolve()
    if branch is None:
        branch = git.maybe("symbolic-ref", "--quiet", "--short", "HEAD")
        if not branch:
            raise PeerError(f"{root} is on a detached HEAD: say which branch (--branch)")
    tip = _commit(git, branch)
    repository = _repository(git, root)
    who = sender or git.maybe("config", "user.name") or getpass.getuser()
    if event == "push":
        return _push(git, repository, branch, tip, before, who)
    return _pull_request(git, repository, branch, tip, base, number, who)


def _commit(git: _Git, rev: str) -> str:
    sha = None if rev.startswith("-") else git.maybe("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if not sha:
        raise PeerError(f"{rev!r} is not a branch or commit of {git.repo}")
    return sha


def _repository(git: _Git, root: Path) -> dict[str, Any]:
    url = f"file://{root}"
    heads = ("main", "master")
    default = next(
        (b for b in heads if git.maybe("rev-parse", "--verify", "--quiet", f"refs/heads/{b}")), None
    )
    return {
        "name": root.name,
        "full_name": f"local/{root.name}",
        "clone_url": url,
        "html_url": url,
        "default_branch": default or git.maybe("symbolic-ref", "--quiet", "--short", "HEAD") or "main",
        "owner": {"login": "local"},
        "private": True,
    }


def _push(
    git: _Git, repository: dict[str, Any], branch: str, tip: str, before: str | None, who: str
) -> dict[str, Any]:
    if before is None:
        parents = git("rev-list", "--parents", "-n", "1", tip).split()
        before = parents[1] if len(parents) > 1 else ZERO_SHA
    elif before != ZERO_SHA:
        before = _commit(git, before)
    span = tip if before == ZERO_SHA else f"{before}..{tip}"
    shas = git("rev-list", "--reverse", span).split()
    commits = [_commit_info(git, sha, repository) for sha in shas[-MAX_COMMITS:]]
    email = git.maybe("config", "user.email") or ""
    return {
        "ref": f"refs/heads/{branch}",
        "before": before,
        "after": tip,
        "created": before == ZERO_SHA,
        "deleted": False,
        "forced": False,
        "base_ref": None,
        "compare": f"{repository['html_url']}/compare/{before[:12]}...{tip[:12]}",
        "commits": commits,
        "head_commit": commits[-1] if commits else None,
        "repository": repository,
        "pusher": {"name": who, "email": email},
        "sender": {"login": who, "type": "User"},
    }


def _pull_request(
    git: _Git, repository: dict[str, Any], branch: str, tip: str, base: str, number: int, who: str
) -> dict[str, Any]:
    if number < 1:
        raise PeerError("a pull request number is at least 1")
    base_sha = _commit(git, base)
    title = git("log", "-1", "--format=%s", tip).strip()
    repo_ref = {k: repository[k] for k in ("name", "full_name", "clone_url", "html_url")}
    return {
        "action": "opened",
        "number": number,
        "pull_request": {
            "number": number,
            "state": "open",
            "title": title,
            "html_url": f"{repository['html_url']}/pull/{number}",
            "user": {"login": who},
            "draft": False,
            "head": {"ref": branch, "sha": tip, "label": f"local:{branch}", "repo": repo_ref},
            "base": {"ref": base, "sha": base_sha, "label": f"local:{base}", "repo": repo_ref},
        },
        "repository": repository,
        "sender": {"login": who, "type": "User"},
    }


_FIELDS = ("%H", "%an", "%ae", "%aI", "%cn", "%ce", "%B")


def _commit_info(git: _Git, sha: str, repository: dict[str, Any]) -> dict[str, Any]:
    out = git("show", "-s", "--format=" + "%x00".join(_FIELDS), sha)
    full, author, author_email, date, committer, committer_email, message = out.split("\0", 6)
    added, modified, removed = _changes(git, sha)
    return {
        "id": full,
        "tree_id": git("rev-parse", f"{sha}^{{tree}}").strip(),
        "distinct": True,
        "message": message.rstrip("\n"),
        "timestamp": date,
        "url": f"{repository['html_url']}/commit/{full}",
        "author": {"name": author, "email": author_email},
        "committer": {"name": committer, "email": committer_email},
        "added": added,
        "modified": modified,
        "removed": removed,
    }


def _changes(git: _Git, sha: str) -> tuple[list[str], list[str], list[str]]:
    """Paths one commit added, modified and removed (a merge lists none, as in ``git show``)."""
    out = git("diff-tree", "--no-commit-id", "--name-status", "-r", "--root", "-z", sha)
    fields = out.split("\0")
    added: list[str] = []
    modified: list[str] = []
    removed: list[str] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i][0]
        if status in "RC":  # rename or copy: a source and a destination path
            source, dest = fields[i + 1], fields[i + 2]
            if status == "R":
                removed.append(source)
            added.append(dest)
            i += 3
            continue
        path = fields[i + 1]
        {"A": added, "D": removed}.get(status, modified).append(path)
        i += 2
    return sorted(added), sorted(modified), sorted(removed)
