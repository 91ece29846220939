"""Socket Mode: the bot connects out with the app token; commands and clicks arrive as envelopes."""

from __future__ import annotations

import pytest

from blackboard import BoardSettings, TaskSpec, TaskState
from tests.support.slack import APP_TOKEN, FakeSlack, action_payload, command_payload
from tests.support.wait import eventually

from .conftest import ALICE, CAROL, MALLORY, Repo, chat_bot

pytestmark = pytest.mark.anyio


async def test_commands_and_clicks_over_socket_mode(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    async with chat_bot(
        redis_settings, slack, repo, notify=False, socket_mode=True, app_token=APP_TOKEN, signing_secret=None
    ) as (bot, board):
        assert bot.url is None
        await eventually(lambda: slack.socket_connected, what="the bot's Socket Mode connection")
        [opened] = slack.called("apps.connections.open")
        assert opened.ok  # with the app token, not the bot token

        envelope = await slack.send_envelope(
            "slash_commands", command_payload("deploy backend main", user=ALICE)
        )
        ack = await eventually(
            lambda: next((a for a in slack.socket_acks if a["envelope_id"] == envelope), None),
            what="the envelope acked",
        )
        assert "Deploying *backend* at `main`" in ack["payload"]["text"]
        [run] = await eventually(board.runs.recent, what="the deploy run")
        assert run.meta.commit == repo.sha("main")

        refused = await slack.send_envelope(
            "slash_commands", command_payload("deploy backend main", user=MALLORY)
        )
        ack = await eventually(
            lambda: next((a for a in slack.socket_acks if a["envelope_id"] == refused), None),
            what="the refusal acked",
        )
        assert "not allowed" in ack["payload"]["text"]

        waiting = await board.runs.create([TaskSpec(id="deploy", capability="deploy", approval=True)])
        tid = f"{waiting.run_id}.deploy"
        await slack.send_envelope(
            "interactive", action_payload("orchestra_approve", tid, user=CAROL, message_ts="1.2")
        )
        task = await eventually(lambda: _pending(board, tid), what="the click approving the task")
        assert task.approved_by == f"slack:{CAROL}"
        assert len(await board.runs.recent()) == 2


async def _pending(board, tid):  # type: ignore[no-untyped-def]
    task = await board.runs.task(tid)
    return task if task.state is TaskState.PENDING else None
