"""The GitHub REST client against a local server speaking GitHub's API."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from peers.feedback import GitHubClient, GitHubError
from tests.support.github import GitHubFake

from .stages import TOKEN

pytestmark = pytest.mark.anyio

SHA = "ab" * 20


@pytest.fixture
def github() -> Iterator[GitHubFake]:
    with GitHubFake(TOKEN, per_page_max=2) as fake:
        yield fake


def client(github: GitHubFake, token: str = TOKEN) -> GitHubClient:
    return GitHubClient(github.url, token, backoff_s=0.01)


async def test_comments_are_listed_over_pages_created_updated_and_deleted(github: GitHubFake) -> None:
    for i in range(4):
        github.add_comment("acme/shop", 7, f"someone else {i}")
    github.add_comment("acme/shop", 8, "another pull request")
    async with client(github) as gh:
        made = await gh.create_comment("acme/shop", 7, "first")
        listed = await gh.list_comments("acme/shop", 7)  # 5 comments, 2 a page: 3 pages
        assert [c.body for c in listed] == [*(f"someone else {i}" for i in range(4)), "first"]
        assert listed[-1].id == made.id and made.html_url.endswith(f"#issuecomment-{made.id}")
        updated = await gh.update_comment("acme/shop", made.id, "second")
        assert updated.id == made.id and updated.body == "second"
        await gh.delete_comment("acme/shop", listed[0].id)
        assert len(await gh.list_comments("acme/shop", 7)) == 4
    (ours,) = [c for c in github.issue_comments("acme/shop", 7) if c.id == made.id]
    assert ours.history == ["first", "second"]
    pages = [r.path for r in github.requests if r.method == "GET"]
    assert len(pages) == 5  # 3 pages, then 2 after the delete


async def test_statuses_are_posted_with_githubs_fields(github: GitHubFake) -> None:
    async with client(github) as gh:
        await gh.create_status("acme/shop", SHA, "pending", "orchestra/test", "running: backend")
        await gh.create_status(
            "acme/shop",
            SHA,
            "failure",
            "orchestra/test",
            "x" * 300,
            target_url="http://o.example/api/runs/r1",
        )
        latest = await gh.latest_statuses("acme/shop", SHA)
    assert latest == {"orchestra/test": ("failure", "x" * 139 + "…")}
    status = github.latest("acme/shop", SHA)["orchestra/test"]
    assert status.target_url == "http://o.example/api/runs/r1" and len(status.description or "") == 140
    request = github.requests[0]
    assert request.authorization == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.headers["User-Agent"] == "devops-orchestra"


async def test_a_github_enterprise_base_url_is_honoured() -> None:
    with GitHubFake(TOKEN, prefix="/api/v3") as ghe:
        assert ghe.url.endswith("/api/v3")
        async with client(ghe) as gh:
            await gh.create_status("acme/shop", SHA, "success", "orchestra/scan", "passed")
        assert [r.path for r in ghe.requests] == [f"/api/v3/repos/acme/shop/statuses/{SHA}"]


async def test_a_bad_token_fails_at_once_and_the_token_is_never_told(
    github: GitHubFake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "ghp_" + "Wr0ngT0ken" * 4  # pragma: allowlist secret
    async with client(github, wrong) as gh:
        with pytest.raises(GitHubError, match="401: Bad credentials") as caught:
            await gh.create_comment("acme/shop", 7, "hello")
    assert caught.value.status == 401 and not caught.value.retryable
    assert len(github.requests) == 1, "a 401 is not retried"
    assert wrong not in str(caught.value) and wrong not in caplog.text
    assert not github.issue_comments("acme/shop", 7)


async def test_server_errors_and_rate_limits_are_retried(github: GitHubFake) -> None:
    github.fail_next(502, 429)
    async with client(github) as gh:
        await gh.create_status("acme/shop", SHA, "success", "orchestra/analyze", "passed")
    assert [r.status for r in github.requests] == [502, 429, 201]
    github.fail_next(503, 503, 503)
    async with client(github) as gh:
        with pytest.raises(GitHubError, match="503") as caught:
            await gh.create_status("acme/shop", SHA, "success", "orchestra/analyze", "passed")
    assert caught.value.retryable


async def test_what_github_would_refuse_is_refused_before_asking(github: GitHubFake) -> None:
    async with client(github) as gh:
        with pytest.raises(GitHubError, match="not a repository name"):
            await gh.list_comments("acme/shop/../../user", 7)
        with pytest.raises(GitHubError, match="not a commit sha"):
            await gh.create_status("acme/shop", "main", "success", "orchestra/x", "ok")
    assert github.requests == []
    with pytest.raises(GitHubError, match="GITHUB_TOKEN"):
        GitHubClient(github.url, "")


async def test_githubs_validation_errors_are_reported(github: GitHubFake) -> None:
    async with client(github) as gh:
        with pytest.raises(GitHubError, match="422: Validation Failed"):
            await gh.create_status("acme/shop", SHA, "exploded", "orchestra/x", "no")  # type: ignore[arg-type]
        with pytest.raises(GitHubError, match="404: Not Found"):
            await gh.update_comment("acme/shop", 999_999, "nothing there")
