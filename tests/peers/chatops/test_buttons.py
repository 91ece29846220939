"""Approve / Reject buttons on approval requests, and confirmation of requests in plain words."""

from __future__ import annotations

import pytest

from blackboard import BoardSettings, RunMeta, TaskSpec, TaskState
from tests.support.slack import FakeSlack, button_click, slash_command
from tests.support.wait import eventually

from .conftest import ALICE, CAROL, MALLORY, Repo, chat_bot, send

pytestmark = pytest.mark.anyio

PUSH = RunMeta(
    trigger="push", repo="file:///shop", commit="b" * 40, branch="main", labels={"project": "shop"}
)


def buttons_of(blocks: list[dict[str, object]]) -> dict[str, str]:
    return {
        str(e["action_id"]): str(e["value"])
        for b in blocks
        if b.get("type") == "actions"
        for e in b["elements"]  # type: ignore[attr-defined]
    }


async def test_a_click_on_approve_lets_the_waiting_task_go_on(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    async with chat_bot(redis_settings, slack, repo) as (bot, board):
        created = await board.runs.create(
            [
                TaskSpec(id="deploy:backend", capability="deploy", approval=True),
                TaskSpec(id="deploy:frontend", capability="deploy", approval=True),
            ],
            PUSH,
        )
        tid = f"{created.run_id}.deploy:backend"
        request = await eventually(
            lambda: next(
                (m for m in slack.messages.values() if buttons_of(m.blocks).get("orchestra_approve") == tid),
                None,
            ),
            what="the approval request with its buttons",
        )
        assert buttons_of(request.blocks) == {"orchestra_approve": tid, "orchestra_reject": tid}
        assert "`deploy:backend` waits for an approval" in request.text

        click = button_click(
            "orchestra_approve", tid, user=CAROL, channel=request.channel, message_ts=request.ts
        )
        response = await send(bot, click)
        assert response.status_code == 200 and response.text == ""  # acked at once, empty

        task = await eventually(lambda: _task(board, tid, TaskState.PENDING), what="the task approved")
        assert task.approved_by == f"slack:{CAROL}"
        # the request's buttons give way to who decided, and the decision is in the thread
        await eventually(lambda: request.updates == 1, what="the buttons replaced")
        assert request.blocks == [] and request.text == f"`deploy:backend` :+1: approved by <@{CAROL}>"
        await eventually(
            lambda: any(
                m.text == f":+1: `deploy:backend` approved by <@{CAROL}>" for m in slack.messages.values()
            ),
            what="approval.granted in the thread",
        )

        # Reject works the same way; a second click on a decided task is told, not applied
        other = f"{created.run_id}.deploy:frontend"
        await send(
            bot,
            button_click("orchestra_reject", other, user=ALICE, channel=request.channel, message_ts="9.9"),
        )
        await eventually(lambda: _task(board, other, TaskState.FAILED), what="the task rejected")
        await send(
            bot,
            button_click(
                "orchestra_approve", tid, user=ALICE, channel=request.channel, message_ts=request.ts
            ),
        )
        told = await eventually(lambda: slack.called("chat.postEphemeral"), what="the second click answered")
        assert "not waiting for an approval" in told[-1].args["text"] and told[-1].args["user"] == ALICE


async def _task(board, tid, state):  # type: ignore[no-untyped-def]
    task = await board.runs.task(tid)
    return task if task.state is state else None


async def test_plain_words_become_a_command_run_after_confirmation(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    async with chat_bot(redis_settings, slack, repo, notify=False) as (bot, board):
        ack = (await send(bot, slash_command("please ship the frontend hotfix-v2", user=ALICE))).json()
        assert "Let me work out what" in ack["text"]
        [proposal] = await eventually(lambda: slack.called("chat.postEphemeral"), what="the proposal")
        assert proposal.args["user"] == ALICE
        assert "I understood `/orchestra deploy frontend hotfix-v2`. Run it?" in proposal.args["text"]
        assert buttons_of(proposal.args["blocks"])["orchestra_confirm"] == "deploy frontend hotfix-v2"
        assert await board.runs.recent() == []  # nothing happens before the confirmation

        # someone else may not confirm it for Alice if they may not deploy
        refused = slack.response_url()
        await send(
            bot,
            button_click(
                "orchestra_confirm", "deploy frontend hotfix-v2", user=MALLORY, response_url=refused
            ),
        )
        await eventually(lambda: slack.responses, what="the refusal")
        assert "not allowed" in slack.responses[0]["text"] and await board.runs.recent() == []

        await send(
            bot,
            button_click(
                "orchestra_confirm",
                "deploy frontend hotfix-v2",
                user=ALICE,
                response_url=slack.response_url(),
            ),
        )
        [run] = await eventually(board.runs.recent, what="the confirmed deploy")
        assert run.meta.commit == repo.sha("hotfix-v2")
        await eventually(lambda: len(slack.responses) == 2, what="the confirmation answered")
        assert slack.responses[1]["replace_original"] is True
        assert "Deploying *frontend* at `hotfix-v2`" in slack.responses[1]["text"]


async def test_plain_words_that_only_read_are_answered_and_nonsense_gets_the_usage(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    async with chat_bot(redis_settings, slack, repo, notify=False) as (bot, board):
        created = await board.runs.create([TaskSpec(id="x", capability="noop")], PUSH)
        await send(bot, slash_command(f"how is {created.run_id} going?"))
        await send(bot, slash_command("make me a coffee"))
        await send(bot, slash_command("please deploy"))
        told = await eventually(lambda: _n(slack.called("chat.postEphemeral"), 3), what="three answers")
        texts = sorted(str(t.args.get("blocks") or t.args["text"]) for t in told)
        assert any(created.run_id in t and "`x` pending" in t for t in texts)
        assert any("I did not understand that" in t and "Commands:" in t for t in texts)
        assert any("That sounds like `deploy`, but which service?" in t for t in texts)
        assert slack.posts == []


def _n(items: list[object], n: int) -> list[object] | None:
    return items if len(items) >= n else None
