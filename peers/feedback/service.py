"""The GitHub feedback subscriber: the board's events in, PR comments and commit statuses out.

It reads ``{ns}:events`` through its own consumer group: a restart resumes where it stopped
(unacknowledged events come back first) and replicas sharing the group never get the same
event. What it posts is derived from the run's state on the board, not from the events one by
one, so handling an event twice posts nothing new and a missed update is caught up by the next
event of the run.

Only runs of pull requests get feedback: their meta labels carry ``pr`` and ``repo``
(``owner/name``), and the meta commit is the PR's head sha.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import anyio

from blackboard import TRANSIENT_ERRORS, Board, Event, NotFound, Run

from .._backoff import Backoff
from .comment import is_ours, render_comment, reported
from .errors import GitHubError
from .github import Comment, GitHubClient, clip_description, valid_repo, valid_sha
from .settings import FeedbackSettings
from .statuses import StageStatus, stage_statuses

log = logging.getLogger(__name__)

FINAL_EVENTS = frozenset({"run.succeeded", "run.failed", "run.cancelled"})
REMEMBERED = 4096
"""Runs (and statuses) remembered, to skip reads and posts already made; older ones are re-read."""


@dataclass(frozen=True, slots=True)
class PullRequest:
    repo: str
    number: int
    sha: str
    """The head commit, or ``""`` when the run's commit is not a sha (no statuses then)."""


def pull_request_of(run: Run) -> PullRequest | None:
    """The pull request a run checks, or None for any other run."""
    number, repo = run.meta.labels.get("pr", ""), run.meta.labels.get("repo", "")
    if not number.isdigit() or int(number) < 1 or not valid_repo(repo):
        return None
    return PullRequest(repo, int(number), run.meta.commit if valid_sha(run.meta.commit) else "")


class _Lru(OrderedDict[str, object]):
    def remember(self, key: str, value: object) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > REMEMBERED:
            self.popitem(last=False)


class FeedbackService:
    """``await FeedbackService(board, github, settings).run()`` until cancelled."""

    def __init__(self, board: Board, github: GitHubClient, settings: FeedbackSettings) -> None:
        self._board = board
        self._github = github
        self._settings = settings
        self._prs = _Lru()
        self._posted = _Lru()
        self._seen_commits = _Lru()
        self._behind: dict[str, set[str]] = {}
        """Runs whose last update GitHub refused for a while (5xx, rate limit): tried again."""
        self.ready = anyio.Event()
        """Set once the consumer group exists: events from then on are not missed."""

    async def run(self) -> None:
        """Read, handle, acknowledge, until cancelled (what is unacknowledged then comes back
        at the next start)."""
        s = self._settings
        sub = self._board.events.subscribe(s.group, s.consumer)
        backoff = Backoff(cap_s=5.0)
        opened = False
        events: list[Event] = []
        next_retry = anyio.current_time() + s.retry_s
        log.info("GitHub feedback: group %s, consumer %s, API %s", s.group, s.consumer, self._github.api_url)
        while True:
            try:
                if not opened:
                    await sub.open()
                    opened = True
                    self.ready.set()
                if not events:
                    events = await sub.read(count=100, block_ms=s.block_ms)
                if events:
                    await self.handle(events)
                    await sub.ack(events)
                    events = []
                if self._behind and anyio.current_time() >= next_retry:
                    next_retry = anyio.current_time() + s.retry_s
                    await self.catch_up()
            except TRANSIENT_ERRORS as exc:
                if not backoff.failing:
                    log.warning("GitHub feedback: the board is unreachable (%s); retrying", exc)
                await backoff.wait()
                continue
            if backoff.failing:
                log.info("GitHub feedback: the board is reachable again")
                backoff.reset()

    async def handle(self, events: Sequence[Event]) -> None:
        """Bring GitHub up to date with every run these events touched (each run once)."""
        by_run: dict[str, set[str]] = {}
        for event in events:
            if event.run:
                by_run.setdefault(event.run, set()).add(event.kind)
        for run_id, kinds in by_run.items():
            pr = await self._pull_request(run_id)
            if pr is not None:
                await self._try(run_id, pr, kinds | self._behind.pop(run_id, set()))

    async def catch_up(self) -> None:
        """Try again the runs GitHub refused to update for a while."""
        behind, self._behind = self._behind, {}
        for run_id, kinds in behind.items():
            pr = await self._pull_request(run_id)
            if pr is not None:
                await self._try(run_id, pr, kinds)

    async def _try(self, run_id: str, pr: PullRequest, kinds: set[str]) -> None:
        try:
            await self._update(run_id, pr, kinds)
        except GitHubError as exc:
            log.error("GitHub feedback for run %s (%s#%d): %s", run_id, pr.repo, pr.number, exc)
            if exc.retryable and len(self._behind) < REMEMBERED:
                self._behind[run_id] = kinds  # tried again later, or with the run's next event
        except TRANSIENT_ERRORS:
            raise  # the board: the events are handled again once it answers
        except Exception:  # one odd answer must not stop the feedback of every other run
            log.exception("GitHub feedback for run %s (%s#%d) failed", run_id, pr.repo, pr.number)

    async def _pull_request(self, run_id: str) -> PullRequest | None:
        if run_id in self._prs:
            known = self._prs[run_id]
            return known if isinstance(known, PullRequest) else None
        try:
            pr = pull_request_of(await self._board.runs.get(run_id))
        except NotFound:
            pr = None
        self._prs.remember(run_id, pr if pr is not None else False)
        return pr

    async def _update(self, run_id: str, pr: PullRequest, kinds: set[str]) -> None:
        board = self._board
        run = await board.runs.get(run_id)
        tasks = await board.runs.tasks(run_id)
        if pr.sha:
            for status in stage_statuses(tasks):
                await self._post_status(pr, run, status)
        if run.finished and kinds & FINAL_EVENTS:
            await self._comment(
                pr, run, render_comment(run, tasks, await board.artifacts.all(run_id), self._url(run))
            )
        elif not run.finished and "run.created" in kinds:
            await self._comment(pr, run, render_comment(run, tasks, [], self._url(run)))

    def _url(self, run: Run) -> str | None:
        base = self._settings.public_url
        return f"{base.rstrip('/')}/api/runs/{run.id}" if base else None

    async def _post_status(self, pr: PullRequest, run: Run, status: StageStatus) -> None:
        commit = f"{pr.repo}@{pr.sha}"
        if commit not in self._seen_commits:  # after a restart: what GitHub shows already stays
            for context, shown in (await self._github.latest_statuses(pr.repo, pr.sha)).items():
                self._posted.remember(f"{commit}:{context}", shown)
            self._seen_commits.remember(commit, True)
        key = f"{commit}:{status.context}"
        description = clip_description(status.description)
        if self._posted.get(key) == (status.state, description):
            return
        await self._github.create_status(
            pr.repo, pr.sha, status.state, status.context, description, self._url(run)
        )
        self._posted.remember(key, (status.state, description))
        log.info("status %s=%s on %s@%s", status.context, status.state, pr.repo, pr.sha[:12])

    async def _comment(self, pr: PullRequest, run: Run, body: str) -> None:
        """Update the PR's comment in place (or make it): never with an older run's news."""
        ours = [c for c in await self._github.list_comments(pr.repo, pr.number) if is_ours(c.body)]
        if ours:
            keep = ours[0]
            there = reported(keep.body)
            if there is not None and there.run != run.id and there.newer_than(run):
                log.info("run %s is older than the run %s the comment reports; leaving it", run.id, there.run)
                return
            if keep.body != body:
                await self._github.update_comment(pr.repo, keep.id, body)
                log.info("updated the comment on %s#%d for run %s", pr.repo, pr.number, run.id)
            await self._drop_duplicates(pr, ours[1:])
            return
        made = await self._github.create_comment(pr.repo, pr.number, body)
        log.info("commented on %s#%d for run %s", pr.repo, pr.number, run.id)
        # another replica may have made one at the same moment: the oldest stays, the rest go
        ours = [c for c in await self._github.list_comments(pr.repo, pr.number) if is_ours(c.body)]
        await self._drop_duplicates(pr, ours[1:])
        if ours and ours[0].id != made.id:
            log.info("another replica commented first on %s#%d; kept its comment", pr.repo, pr.number)

    async def _drop_duplicates(self, pr: PullRequest, extra: Sequence[Comment]) -> None:
        for comment in extra:
            await self._github.delete_comment(pr.repo, comment.id)
            log.info("removed a duplicate comment %d on %s#%d", comment.id, pr.repo, pr.number)
