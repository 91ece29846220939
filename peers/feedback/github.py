"""A small client of GitHub's REST API: issue comments and commit statuses, nothing else.

The token goes in the ``Authorization`` header only; log lines and errors name the method, the
path and GitHub's message, never a header. Transport errors, 5xx answers and rate limits
(429, or 403 with ``x-ratelimit-remaining: 0``) are retried with backoff; other 4xx are not.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Literal

import anyio
import httpx

from .errors import GitHubError

log = logging.getLogger(__name__)

StatusState = Literal["error", "failure", "pending", "success"]
API_VERSION = "2022-11-28"
USER_AGENT = "devops-orchestra"
MAX_DESCRIPTION = 140
"""GitHub keeps at most this many characters of a status description."""
MAX_WAIT_S = 30.0
"""The longest a rate limit is waited out before the request fails."""
_REPO = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")
_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def valid_repo(full_name: str) -> bool:
    return bool(_REPO.match(full_name)) and ".." not in full_name


def valid_sha(sha: str) -> bool:
    return bool(_SHA.match(sha))


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    body: str
    html_url: str = ""


class GitHubClient:
    """``async with GitHubClient(api_url, token) as gh: await gh.create_status(...)``."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        timeout_s: float = 10.0,
        attempts: int = 3,
        backoff_s: float = 0.5,
    ) -> None:
        if not token:
            raise GitHubError("no GitHub token: set GITHUB_TOKEN")
        self.api_url = api_url.rstrip("/")
        self._attempts = max(1, attempts)
        self._backoff_s = backoff_s
        self._http = httpx.AsyncClient(
            base_url=self.api_url + "/",
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": USER_AGENT,
            },
            timeout=timeout_s,
            follow_redirects=False,
        )

    async def __aenter__(self) -> GitHubClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- issue comments (a pull request is an issue) --------------------------------------

    async def list_comments(self, repo: str, number: int) -> list[Comment]:
        """Every comment of the pull request, oldest first (following the ``Link`` pages)."""
        url: str | None = f"repos/{_repo(repo)}/issues/{int(number)}/comments"
        params: dict[str, Any] | None = {"per_page": 100}
        comments: list[Comment] = []
        while url is not None:
            response = await self._request("GET", url, params=params)
            comments += [_comment(c) for c in response.json()]
            url, params = self._next_page(response), None
        return comments

    async def create_comment(self, repo: str, number: int, body: str) -> Comment:
        response = await self._request(
            "POST", f"repos/{_repo(repo)}/issues/{int(number)}/comments", json={"body": body}
        )
        return _comment(response.json())

    async def update_comment(self, repo: str, comment_id: int, body: str) -> Comment:
        response = await self._request(
            "PATCH", f"repos/{_repo(repo)}/issues/comments/{int(comment_id)}", json={"body": body}
        )
        return _comment(response.json())

    async def delete_comment(self, repo: str, comment_id: int) -> None:
        await self._request("DELETE", f"repos/{_repo(repo)}/issues/comments/{int(comment_id)}")

    # -- commit statuses ------------------------------------------------------------------

    async def create_status(
        self,
        repo: str,
        sha: str,
        state: StatusState,
        context: str,
        description: str,
        target_url: str | None = None,
    ) -> None:
        if not valid_sha(sha):
            raise GitHubError(f"{sha[:80]!r} is not a commit sha")
        payload: dict[str, Any] = {
            "state": state,
            "context": context,
            "description": clip_description(description),
        }
        if target_url:
            payload["target_url"] = target_url
        await self._request("POST", f"repos/{_repo(repo)}/statuses/{sha}", json=payload)

    async def latest_statuses(self, repo: str, sha: str) -> dict[str, tuple[str, str]]:
        """The state and description GitHub shows for each context of the commit (its newest
        status; the first hundred statuses are enough for the few contexts posted here)."""
        if not valid_sha(sha):
            raise GitHubError(f"{sha[:80]!r} is not a commit sha")
        response = await self._request(
            "GET", f"repos/{_repo(repo)}/commits/{sha}/statuses", params={"per_page": 100}
        )
        latest: dict[str, tuple[str, str]] = {}
        for status in response.json():  # newest first
            if isinstance(status, dict) and isinstance(status.get("context"), str):
                latest.setdefault(
                    status["context"], (str(status.get("state")), str(status.get("description") or ""))
                )
        return latest

    # -- plumbing ---------------------------------------------------------------------------

    def _next_page(self, response: httpx.Response) -> str | None:
        match = _NEXT.search(response.headers.get("link", ""))
        if match is None:
            return None
        url = match[1]
        if not url.startswith(self.api_url + "/"):  # never send the token anywhere else
            log.warning("GitHub's next page is on another host; stopping there")
            return None
        return url

    async def _request(
        self,
        method: str,
        url: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        where = f"{method} {httpx.URL(url).path if url.startswith('http') else '/' + url}"
        delay = self._backoff_s
        for attempt in range(1, self._attempts + 1):
            last = attempt == self._attempts
            try:
                response = await self._http.request(method, url, json=json, params=params)
            except httpx.TransportError as exc:
                if last:
                    raise GitHubError(f"{where}: GitHub cannot be reached: {exc}", retryable=True) from None
                log.warning("%s: %s; retrying in %.1fs", where, type(exc).__name__, delay)
                await anyio.sleep(delay)
                delay *= 2
                continue
            if response.is_success:
                return response
            wait = _retry_after(response)
            if wait is None or last:
                raise _error(where, response)
            wait = max(wait, delay)
            log.warning("%s: %s; retrying in %.1fs", where, response.status_code, wait)
            await anyio.sleep(wait)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover


def _repo(full_name: str) -> str:
    if not valid_repo(full_name):
        raise GitHubError(f"{full_name[:120]!r} is not a repository name (owner/name)")
    return full_name


def clip_description(text: str, limit: int = MAX_DESCRIPTION) -> str:
    """A status description as GitHub keeps it: one line, at most ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _comment(raw: Any) -> Comment:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), int):
        raise GitHubError("GitHub answered with something that is not a comment")
    return Comment(int(raw["id"]), str(raw.get("body") or ""), str(raw.get("html_url") or ""))


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait before trying again, or None when trying again cannot help."""
    status = response.status_code
    limited = status == 429 or (status == 403 and response.headers.get("x-ratelimit-remaining") == "0")
    if limited:
        if raw := response.headers.get("retry-after"):
            wait = float(raw) if raw.isdigit() else MAX_WAIT_S
        elif raw := response.headers.get("x-ratelimit-reset"):
            wait = float(raw) - time.time() if raw.isdigit() else MAX_WAIT_S
        else:
            wait = 1.0
        return min(max(wait, 0.0), MAX_WAIT_S)
    if status >= 500:
        return 0.0
    return None


def _error(where: str, response: httpx.Response) -> GitHubError:
    try:
        message = str(response.json().get("message", ""))
    except (ValueError, AttributeError):
        message = response.text[:200]
    retryable = response.status_code >= 500 or response.status_code == 429
    return GitHubError(
        f"{where}: GitHub answered {response.status_code}: {message or response.reason_phrase}",
        status=response.status_code,
        retryable=retryable,
    )
