"""Run updates in Slack: one thread per run whose first message is updated in place, notify_on
deciding what is posted, and every event notified exactly once across restarts and replicas."""

from __future__ import annotations

import pytest

from blackboard import Board, BoardSettings, RunMeta, TaskSpec, connect
from tests.support.capabilities import Fail, Noop
from tests.support.peers import running_peer
from tests.support.slack import FakeSlack, Message, slash_command
from tests.support.wait import eventually

from .conftest import Repo, chat_bot, send

pytestmark = pytest.mark.anyio

PUSH = RunMeta(
    trigger="push", repo="file:///shop", commit="a" * 40, branch="main", labels={"project": "shop"}
)


def replies(slack: FakeSlack, top: Message) -> list[str]:
    return [m.text for m in slack.thread(top.channel, top.ts)]


async def test_one_thread_per_run_its_first_message_updated_in_place_and_notify_on_filters(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    async with chat_bot(redis_settings, slack, repo, notify_on=("failure",)) as (_, board):
        failing = await board.runs.create(
            [
                TaskSpec(id="build", capability="noop"),
                TaskSpec(
                    id="test", capability="fail", inputs={"message": "2 tests failed"}, needs=("build",)
                ),
                TaskSpec(id="deploy", capability="noop", needs=("test",)),
            ],
            PUSH,
        )
        passing = await board.runs.create([TaskSpec(id="build", capability="noop")], PUSH)
        async with running_peer(board, [Noop(), Fail()]):
            for run in (failing, passing):
                await board.runs.wait(run.run_id, timeout_s=20)
        await eventually(
            lambda: any("failed: 1 failed" in r for t in slack.tops() for r in replies(slack, t)),
            what="the run's failure in its thread",
        )
        await eventually(
            lambda: "failed" in slack.tops()[0].text, what="the first message showing the failure"
        )

        # one thread, in the configured channel, for the run that failed; none for the one that
        # passed (notify_on: [failure] lets nothing of it into a thread)
        [top] = slack.tops()
        assert top.channel == "C0DEPLOYS" and failing.run_id in top.text
        assert replies(slack, top) == [
            ":x: `test` failed: 2 tests failed",
            f":x: run `{failing.run_id}` failed: 1 failed, 1 skipped, 1 succeeded",
        ]
        # the first message was rewritten in place, never posted again, and ends on the run's state
        updates = slack.called("chat.update")
        assert updates and {(u.args["channel"], u.args["ts"]) for u in updates} == {(top.channel, top.ts)}
        assert top.updates == len(updates)
        shown = str(top.blocks)
        assert (
            ":x: failed · 3/3 task(s) done" in shown
            and "`test` failed" in shown
            and "`deploy` skipped" in shown
        )
        assert len(slack.called("chat.postMessage")) == 3


async def test_a_run_started_from_chat_is_notified_in_the_commands_thread(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    async with chat_bot(redis_settings, slack, repo) as (bot, board):
        assert (await send(bot, slash_command("deploy backend main", channel="C0OPS"))).status_code == 200
        [run] = await eventually(board.runs.recent, what="the run")
        await board.runs.cancel(run.id, "not today")
        await eventually(
            lambda: len(slack.tops()) == 1 and len(replies(slack, slack.tops()[0])) >= 3,
            what="the start, the answer and the cancellation in the thread",
        )
        [top] = slack.tops()
        assert top.channel == "C0OPS" and "Deploy of *backend* at `main`" in top.text
        lines = replies(slack, top)
        assert f":arrow_forward: run `{run.id}` started (1 task(s))" in lines
        assert any(f"run `{run.id}` deploys *backend*" in line for line in lines)
        assert f":octagonal_sign: run `{run.id}` was cancelled" in lines
        await eventually(lambda: "cancelled" in top.text, what="the first message showing the cancellation")


async def emit_versions(board: Board, run_id: str, versions: range) -> None:
    for v in versions:
        await board.events.emit(
            "deploy.promoted", run_id, f"{run_id}.deploy", {"service": "backend", "version": f"v{v}"}
        )


def posted_versions(slack: FakeSlack) -> list[str]:
    return [m.text.split("`")[1] for m in slack.messages.values() if m.text.startswith(":rocket:")]


async def test_a_restarted_bot_neither_misses_nor_repeats_a_notification(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    async with chat_bot(redis_settings, slack, repo) as (bot, board):
        run = await board.runs.create([TaskSpec(id="deploy", capability="deploy", approval=True)], PUSH)
        await emit_versions(board, run.run_id, range(1, 6))
        await eventually(lambda: len(posted_versions(slack)) == 5, what="the first five notified")
        notifier = bot.notifier
        assert notifier is not None  # it stops having handled (and acknowledged) these, at least:
        await eventually(lambda: notifier.acked >= 7, what="run.created, approval.requested, 5 deploys acked")
    async with connect(redis_settings) as board:  # the bot is down: this must be notified once it is back
        await emit_versions(board, run.run_id, range(6, 11))
    assert len(posted_versions(slack)) == 5
    async with chat_bot(redis_settings, slack, repo) as (bot, board):
        await emit_versions(board, run.run_id, range(11, 16))
        await eventually(lambda: len(posted_versions(slack)) >= 15, what="every version notified")
        await board.runs.cancel(run.run_id)
        await eventually(
            lambda: any("was cancelled" in m.text for m in slack.messages.values()), what="the end"
        )
    assert sorted(posted_versions(slack), key=lambda v: int(v[1:])) == [f"v{i}" for i in range(1, 16)]
    [top] = slack.tops()  # the restarted bot kept using the run's thread
    assert all(m.thread_ts == top.ts for m in slack.messages.values() if m is not top)


async def test_two_replicas_share_the_work_and_notify_each_event_once(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    async with (
        chat_bot(redis_settings, slack, repo, consumer="bot-a") as (a, board),
        chat_bot(redis_settings, slack, repo, consumer="bot-b") as (b, _),
    ):
        runs = [
            (await board.runs.create([TaskSpec(id="deploy", capability="deploy")], PUSH)).run_id
            for _ in range(3)
        ]
        for i in range(40):
            await emit_versions(board, runs[i % 3], range(i, i + 1))
        await eventually(lambda: len(posted_versions(slack)) >= 40, what="every version notified")
        assert a.notifier is not None and b.notifier is not None
        await eventually(lambda: a.notifier.acked + b.notifier.acked >= 43, what="every event acknowledged")
    assert sorted(posted_versions(slack), key=lambda v: int(v[1:])) == [f"v{i}" for i in range(40)]
    assert len(slack.tops()) == 3  # one thread per run, whichever replica got its events
    assert a.notifier.posted > 0 and b.notifier.posted > 0
