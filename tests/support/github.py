"""A local server speaking GitHub's REST API, for the parts DevOps Orchestra uses: issue comments
(list with pagination, create, update, delete) and commit statuses (create, list).

A real HTTP server on loopback (its own thread) that checks the ``Authorization`` header
(``Bearer <token>`` or ``token <token>``), answers with GitHub-shaped JSON and errors
(401 ``Bad credentials``, 404 ``Not Found``, 422 ``Validation Failed``) and records everything,
so tests can assert what GitHub would have shown. It can serve under a path prefix, as GitHub
Enterprise does (``/api/v3``), and can be told to fail the next requests with a 5xx.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .http_server import LoopbackServer

BOT = {"login": "orchestra-bot[bot]", "id": 4242, "type": "Bot"}
DOCS = "https://docs.github.com/rest"
STATES = frozenset({"error", "failure", "pending", "success"})
_SHA = re.compile(r"^[0-9a-f]{40}$")
_REPO = r"(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)"
_ROUTES = [
    ("GET", re.compile(rf"^/repos/{_REPO}/issues/(?P<number>\d+)/comments$"), "list_comments"),
    ("POST", re.compile(rf"^/repos/{_REPO}/issues/(?P<number>\d+)/comments$"), "create_comment"),
    ("GET", re.compile(rf"^/repos/{_REPO}/issues/comments/(?P<id>\d+)$"), "get_comment"),
    ("PATCH", re.compile(rf"^/repos/{_REPO}/issues/comments/(?P<id>\d+)$"), "update_comment"),
    ("DELETE", re.compile(rf"^/repos/{_REPO}/issues/comments/(?P<id>\d+)$"), "delete_comment"),
    ("POST", re.compile(rf"^/repos/{_REPO}/statuses/(?P<sha>[^/]+)$"), "create_status"),
    ("GET", re.compile(rf"^/repos/{_REPO}/commits/(?P<sha>[^/]+)/statuses$"), "list_statuses"),
]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class IssueComment:
    id: int
    repo: str
    number: int
    body: str
    created_at: str
    updated_at: str
    history: list[str] = field(default_factory=list)
    """Every body it had, the current one last."""


@dataclass
class CommitStatus:
    id: int
    repo: str
    sha: str
    state: str
    context: str
    description: str | None
    target_url: str | None
    created_at: str


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    status: int
    headers: dict[str, str]
    """The request's headers, Authorization removed."""
    authorization: str


class GitHubFake(LoopbackServer):
    """``with GitHubFake(token) as gh: ... gh.url ...`` (``prefix="/api/v3"`` for Enterprise)."""

    def __init__(self, token: str, *, prefix: str = "", per_page_max: int = 100) -> None:
        super().__init__()
        self.token = token
        self.prefix = prefix.rstrip("/")
        self.per_page_max = per_page_max
        self.lock = threading.Lock()
        self.comments: dict[int, IssueComment] = {}
        self.statuses: list[CommitStatus] = []
        self.requests: list[Recorded] = []
        self._ids = 1000
        self._failures: list[int] = []

    # -- lifecycle ---------------------------------------------------------------------------

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(_Handler):
            github = fake

        return Handler

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.prefix}"

    # -- what tests look at and arrange ----------------------------------------------------------

    def fail_next(self, *statuses: int) -> None:
        """Answer the next requests with these statuses (502, 429, ...) before serving again."""
        with self.lock:
            self._failures.extend(statuses)

    def issue_comments(self, repo: str, number: int) -> list[IssueComment]:
        with self.lock:
            return [c for c in self.comments.values() if c.repo == repo and c.number == number]

    def commit_statuses(self, repo: str, sha: str) -> list[CommitStatus]:
        """Every status posted on the commit, oldest first."""
        with self.lock:
            return [s for s in self.statuses if s.repo == repo and s.sha == sha]

    def latest(self, repo: str, sha: str) -> dict[str, CommitStatus]:
        """The status GitHub shows for each context (the newest one)."""
        out: dict[str, CommitStatus] = {}
        for s in self.commit_statuses(repo, sha):
            out[s.context] = s
        return out

    def add_comment(self, repo: str, number: int, body: str) -> IssueComment:
        """A comment someone else wrote."""
        with self.lock:
            return self._new_comment(repo, number, body)

    # -- GitHub's behaviour ------------------------------------------------------------------------

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    def _new_comment(self, repo: str, number: int, body: str) -> IssueComment:
        now = _now()
        comment = IssueComment(self._next_id(), repo, number, body, now, now, [body])
        self.comments[comment.id] = comment
        return comment

    def _comment_json(self, c: IssueComment) -> dict[str, Any]:
        api = f"{self.url}/repos/{c.repo}/issues/comments/{c.id}"
        return {
            "id": c.id,
            "node_id": f"IC_{c.id}",
            "url": api,
            "html_url": f"https://github.com/{c.repo}/pull/{c.number}#issuecomment-{c.id}",
            "issue_url": f"{self.url}/repos/{c.repo}/issues/{c.number}",
            "body": c.body,
            "user": BOT,
            "created_at": c.created_at,
            "updated_at": c.updated_at,
            "author_association": "NONE",
        }

    def _status_json(self, s: CommitStatus) -> dict[str, Any]:
        return {
            "url": f"{self.url}/repos/{s.repo}/statuses/{s.sha}",
            "id": s.id,
            "node_id": f"SC_{s.id}",
            "state": s.state,
            "description": s.description,
            "target_url": s.target_url,
            "context": s.context,
            "created_at": s.created_at,
            "updated_at": s.created_at,
            "creator": BOT,
        }

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        """(status, JSON answer, extra headers) for one authorized request."""
        with self.lock:
            if self._failures:
                status = self._failures.pop(0)
                headers = {"Retry-After": "0"} if status == 429 else {}
                return status, {"message": "Server Error" if status >= 500 else "Too Many Requests"}, headers
            for verb, pattern, name in _ROUTES:
                match = pattern.match(path)
                if match and verb == method:
                    answer: tuple[int, Any, dict[str, str]] = getattr(self, "_" + name)(
                        match.groupdict(), query, body
                    )
                    return answer
        return 404, {"message": "Not Found", "documentation_url": DOCS}, {}

    def _list_comments(
        self, m: dict[str, str], q: dict[str, list[str]], _: Any
    ) -> tuple[int, Any, dict[str, str]]:
        repo, number = m["repo"], int(m["number"])
        per_page = min(int(q.get("per_page", ["30"])[0]), self.per_page_max)
        page = int(q.get("page", ["1"])[0])
        everything = sorted(
            (c for c in self.comments.values() if c.repo == repo and c.number == number), key=lambda c: c.id
        )
        chunk = everything[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(everything):
            nxt = f"{self.url}/repos/{repo}/issues/{number}/comments?per_page={per_page}&page={page + 1}"
            headers["Link"] = f'<{nxt}>; rel="next"'
        return 200, [self._comment_json(c) for c in chunk], headers

    def _create_comment(self, m: dict[str, str], _: Any, body: Any) -> tuple[int, Any, dict[str, str]]:
        if not isinstance(body, dict) or not isinstance(body.get("body"), str):
            return _invalid("IssueComment", "body")
        return 201, self._comment_json(self._new_comment(m["repo"], int(m["number"]), body["body"])), {}

    def _get_comment(self, m: dict[str, str], _: Any, __: Any) -> tuple[int, Any, dict[str, str]]:
        c = self.comments.get(int(m["id"]))
        if c is None or c.repo != m["repo"]:
            return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
        return 200, self._comment_json(c), {}

    def _update_comment(self, m: dict[str, str], _: Any, body: Any) -> tuple[int, Any, dict[str, str]]:
        c = self.comments.get(int(m["id"]))
        if c is None or c.repo != m["repo"]:
            return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
        if not isinstance(body, dict) or not isinstance(body.get("body"), str):
            return _invalid("IssueComment", "body")
        c.body = body["body"]
        c.updated_at = _now()
        c.history.append(c.body)
        return 200, self._comment_json(c), {}

    def _delete_comment(self, m: dict[str, str], _: Any, __: Any) -> tuple[int, Any, dict[str, str]]:
        c = self.comments.get(int(m["id"]))
        if c is None or c.repo != m["repo"]:
            return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
        del self.comments[c.id]
        return 204, None, {}

    def _create_status(self, m: dict[str, str], _: Any, body: Any) -> tuple[int, Any, dict[str, str]]:
        if not _SHA.match(m["sha"]):
            return 422, {"message": f"No commit found for SHA: {m['sha']}", "documentation_url": DOCS}, {}
        if not isinstance(body, dict) or body.get("state") not in STATES:
            return _invalid("Status", "state")
        status = CommitStatus(
            self._next_id(),
            m["repo"],
            m["sha"],
            body["state"],
            str(body.get("context") or "default"),
            body.get("description"),
            body.get("target_url"),
            _now(),
        )
        self.statuses.append(status)
        return 201, self._status_json(status), {}

    def _list_statuses(self, m: dict[str, str], _: Any, __: Any) -> tuple[int, Any, dict[str, str]]:
        found = [s for s in self.statuses if s.repo == m["repo"] and s.sha == m["sha"]]
        return 200, [self._status_json(s) for s in reversed(found)], {}


def _invalid(resource: str, field_name: str) -> tuple[int, Any, dict[str, str]]:
    return (
        422,
        {
            "message": "Validation Failed",
            "errors": [{"resource": resource, "code": "missing_field", "field": field_name}],
            "documentation_url": DOCS,
        },
        {},
    )


class _Handler(BaseHTTPRequestHandler):
    github: GitHubFake
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep the test output clean
        pass

    def _serve(self) -> None:
        fake = self.github
        parts = urlsplit(self.path)
        path = parts.path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        auth = self.headers.get("Authorization", "")
        headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
        status: int
        answer: Any
        extra: dict[str, str] = {}
        if fake.prefix and not path.startswith(fake.prefix + "/"):
            status, answer = 404, {"message": "Not Found", "documentation_url": DOCS}
        elif not auth:
            status, answer = 401, {"message": "Requires authentication", "documentation_url": DOCS}
        elif auth not in (f"Bearer {fake.token}", f"token {fake.token}"):
            status, answer = 401, {"message": "Bad credentials", "documentation_url": DOCS}
        else:
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
                status, answer = 400, {"message": "Problems parsing JSON", "documentation_url": DOCS}
            else:
                status, answer, extra = fake.handle(
                    self.command, path[len(fake.prefix) :], parse_qs(parts.query), body
                )
        with fake.lock:
            fake.requests.append(Recorded(self.command, path, status, headers, auth))
        data = b"" if answer is None else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
        self.send_header("X-RateLimit-Remaining", "4999")
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = _serve
