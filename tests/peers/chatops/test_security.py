"""Requests Slack did not sign, or signed too long ago, and people not allowed to do something:
refused, with nothing posted and nothing on the board. No secret reaches a log or a message."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from blackboard import Board, BoardSettings, TaskSpec, TaskState
from peers.chatops import ChatOpsError, ChatOpsSettings
from tests.support.slack import (
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    button_click,
    signed,
    slash_command,
)
from tests.support.wait import eventually

from .conftest import ALICE, CAROL, MALLORY, Repo, chat_bot, send

pytestmark = pytest.mark.anyio


async def event_count(board: Board) -> int:
    return sum([await board.core.redis.xlen(p.events) for p in board.keys.all_partitions()])


async def test_unsigned_badly_signed_and_stale_requests_are_refused(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    async with chat_bot(redis_settings, slack, repo) as (bot, board):
        before = await event_count(board)
        body = slash_command("deploy backend main", user=ALICE)
        refused = {
            "no signature": await send(bot, body, {"Content-Type": "application/x-www-form-urlencoded"}),
            "wrong secret": await send(bot, body, signed(body, secret="not-the-signing-secret")),
            "body changed": await send(bot, body + b"&x=1", signed(body)),
            "older than 300 s": await send(bot, body, signed(body, timestamp=int(time.time()) - 301)),
            "from the future": await send(bot, body, signed(body, timestamp=int(time.time()) + 301)),
        }
        assert {why: r.status_code for why, r in refused.items()} == dict.fromkeys(refused, 401)
        # a request signed right still works: the refusals were the signatures, not the bot
        assert (await send(bot, slash_command("runs"))).status_code == 200
        assert {c.method for c in slack.calls} == {"auth.test"}  # bolt checks its token; nothing else
        assert await board.runs.recent() == [] and await event_count(board) == before


async def test_unauthorised_users_get_a_polite_refusal_and_nothing_happens(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    async with chat_bot(redis_settings, slack, repo, notify=False) as (bot, board):
        created = await board.runs.create([TaskSpec(id="deploy:backend", capability="deploy", approval=True)])
        before = await event_count(board)
        for text in ("deploy backend main", "rollback backend", f"approve {created.run_id} deploy:backend"):
            answer = (await send(bot, slash_command(text, user=MALLORY))).json()
            assert answer["response_type"] == "ephemeral"
            assert (
                f"Sorry <@{MALLORY}>, you are not allowed to run `/orchestra {text.split()[0]}`"
                in answer["text"]
            )
        # a button is checked the same way: the refusal is for the clicker's eyes only
        click = button_click(
            "orchestra_approve", f"{created.run_id}.deploy:backend", user=MALLORY, message_ts="1.1"
        )
        assert (await send(bot, click)).status_code == 200
        [told] = await eventually(lambda: slack.called("chat.postEphemeral"), what="the refusal of the click")
        assert told.args["user"] == MALLORY and "not allowed" in told.args["text"]

        assert slack.posts == []
        assert [r.id for r in await board.runs.recent()] == [created.run_id]
        assert await event_count(board) == before
        [task] = await board.runs.tasks(created.run_id)
        assert task.state is TaskState.WAITING


async def test_user_groups_grant_commands(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    async with chat_bot(redis_settings, slack, repo, notify=False) as (bot, board):
        # CAROL is in the @sre user group, which may deploy (chatops.allow.deploy)
        answer = (await send(bot, slash_command("deploy backend main", user=CAROL))).json()["text"]
        assert "Deploying" in answer
        await eventually(board.runs.recent, what="the run CAROL started")
        assert {c.method for c in slack.calls} >= {"usergroups.list", "usergroups.users.list"}


async def test_no_secret_reaches_a_log_line_or_a_message(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with chat_bot(redis_settings, slack, repo, log_level="debug") as (bot, _):
        assert (await send(bot, slash_command("deploy backend main"))).status_code == 200
        await eventually(lambda: len(slack.called("chat.postMessage")) >= 2, what="the thread")
        body = slash_command("runs")
        assert (await send(bot, body, signed(body, secret="wrong"))).status_code == 401
        await send(bot, slash_command("rollback backend"))
        await eventually(lambda: slack.called("chat.postEphemeral"), what="the rollback refusal")
        settings_text = repr(bot.bot.settings)
    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert len(caplog.records) > 10  # the debug logs of bolt and the Slack SDK were on
    for secret in (BOT_TOKEN, SIGNING_SECRET):
        assert secret not in logged
        assert secret not in slack.everything_said()
        assert secret not in settings_text


def test_settings_need_the_credentials_of_their_mode(redis_settings: BoardSettings) -> None:
    with pytest.raises(ChatOpsError, match="SLACK_BOT_TOKEN"):
        ChatOpsSettings.from_env(redis_settings, env={})
    with pytest.raises(ChatOpsError, match="SLACK_SIGNING_SECRET"):
        ChatOpsSettings.from_env(redis_settings, env={"SLACK_BOT_TOKEN": BOT_TOKEN})
    with pytest.raises(ChatOpsError, match="SLACK_APP_TOKEN"):
        ChatOpsSettings.from_env(redis_settings, env={"SLACK_BOT_TOKEN": BOT_TOKEN}, socket_mode=True)
    with pytest.raises(ChatOpsError, match="'deploys' is not one of"):
        ChatOpsSettings.from_env(
            redis_settings,
            env={
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "ORCHESTRA_CHATOPS_NOTIFY_ON": "deploys",
            },
        )
    settings = ChatOpsSettings.from_env(
        redis_settings,
        env={
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": "http://x/api",
        },
    )
    assert settings.api_base == "http://x/api/"
    assert BOT_TOKEN not in repr(settings) and SIGNING_SECRET not in repr(settings)


async def test_a_config_file_given_to_the_bot_is_the_one_it_trusts(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo, tmp_path: Path
) -> None:
    trusted = tmp_path / "chatops.yaml"
    trusted.write_text("version: 1\nchatops:\n  channel: C0TRUSTED\n  allow:\n    '*': [U0BOB]\n")
    async with chat_bot(redis_settings, slack, repo, notify=False, config_path=trusted) as (bot, board):
        assert bot.bot.config.source == str(trusted) and bot.bot.config.channel == "C0TRUSTED"
        # the repository's config lets Alice deploy; the bot's own config lets only Bob do anything
        assert (
            "not allowed"
            in (await send(bot, slash_command("deploy backend main", user=ALICE))).json()["text"]
        )
        assert "not allowed" in (await send(bot, slash_command("runs", user=ALICE))).json()["text"]
        assert (
            "Deploying"
            in (await send(bot, slash_command("deploy backend main", user="U0BOB"))).json()["text"]
        )
        await eventually(board.runs.recent, what="Bob's run")
