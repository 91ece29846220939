"""``/orchestra`` commands end to end: signed requests into the bolt app served by uvicorn, a real
board, a real git repository, and a local server speaking Slack's Web API."""

from __future__ import annotations

import pytest

from blackboard import Board, BoardSettings, TaskSpec, TaskState
from capabilities.plan import Trigger
from tests.support.slack import FakeSlack, slash_command
from tests.support.wait import eventually

from .conftest import ALICE, CAROL, Repo, chat_bot, send

pytestmark = pytest.mark.anyio


async def plan_trigger(board: Board, run_id: str) -> Trigger:
    [task] = await board.runs.tasks(run_id)
    assert (task.spec, task.capability) == ("plan", "plan")
    return Trigger.model_validate(task.inputs["trigger"])


async def test_deploy_acks_first_then_starts_the_run_and_answers_in_its_thread(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    async with chat_bot(redis_settings, slack, repo) as (bot, board):
        response = await send(bot, slash_command("deploy backend main", user=ALICE, channel="C0OPS"))

        # the ack is the HTTP answer, and it was given before the run existed: it names no run
        assert response.status_code == 200
        ack = response.json()
        assert ack["response_type"] == "ephemeral" and "Deploying *backend* at `main`" in ack["text"]
        assert not any(run.id in ack["text"] for run in await board.runs.recent())

        [run] = await eventually(board.runs.recent, what="the deploy run")
        trigger = await plan_trigger(board, run.id)
        assert trigger.commit == repo.sha("main") and trigger.branch == "main"
        assert trigger.source == "chat" and trigger.event == "manual" and trigger.services == ("backend",)
        assert trigger.sender == f"slack:{ALICE}" and trigger.repo == repo.url
        assert run.meta.trigger == "chat:manual" and run.meta.commit == repo.sha("main")
        [task] = await board.runs.tasks(run.id)
        assert task.state is TaskState.PENDING  # not planned: the ack did not wait for any of it

        # the answer is in a thread whose first message is in the channel the command came from
        head = (await eventually(slack.tops, what="the run's first message"))[0]
        assert head.channel == "C0OPS" and run.id in head.text
        replies = await eventually(lambda: slack.thread("C0OPS", head.ts), what="the answer in the thread")
        assert (
            f"run `{run.id}` deploys *backend*" in replies[0].text and repo.sha("main")[:7] in replies[0].text
        )


async def test_deploy_of_a_branch_and_a_tag_resolves_them_in_the_repository(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    async with chat_bot(redis_settings, slack, repo, notify=False) as (bot, board):
        for ref in ("hotfix-v2", "v1.0"):
            assert (await send(bot, slash_command(f"deploy frontend {ref}"))).status_code == 200
        runs = await eventually(lambda: _runs(board, 2), what="two runs")
        commits = {(await plan_trigger(board, r.id)).branch: r.meta.commit for r in runs}
        assert commits == {"hotfix-v2": repo.sha("hotfix-v2"), "v1.0": repo.sha("v1.0")}


async def _runs(board: Board, n: int) -> list[object] | None:
    runs = await board.runs.recent()
    return runs if len(runs) >= n else None


async def test_a_channel_the_bot_is_not_in_sends_the_thread_to_the_configured_one(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    slack.closed.add("C0PRIVATE")
    async with chat_bot(redis_settings, slack, repo) as (bot, board):
        assert (await send(bot, slash_command("deploy backend main", channel="C0PRIVATE"))).status_code == 200
        [run] = await eventually(board.runs.recent, what="the run")
        [top] = await eventually(slack.tops, what="the thread")
        assert top.channel == "C0DEPLOYS" and run.id in top.text  # chatops.channel of the config
        await eventually(lambda: len(slack.thread("C0DEPLOYS", top.ts)) >= 2, what="start and answer")
        assert not any(m.channel == "C0PRIVATE" for m in slack.messages.values())


async def test_a_ref_that_does_not_exist_is_said_to_the_user_alone(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    async with chat_bot(redis_settings, slack, repo, notify=False) as (bot, board):
        # follow-ups go to the command's response_url (it works where the bot is no member) ...
        url = slack.response_url()
        assert (
            await send(bot, slash_command("deploy backend no-such-branch", response_url=url))
        ).status_code == 200
        [told] = await eventually(lambda: slack.responses, what="the error")
        assert told["id"] == url.rsplit("/", 1)[1] and told["response_type"] == "ephemeral"
        assert "no branch or tag 'no-such-branch'" in told["text"]
        # ... or, without one, to an ephemeral message
        assert (await send(bot, slash_command("deploy backend nope"))).status_code == 200
        [told] = await eventually(lambda: slack.called("chat.postEphemeral"), what="the error")
        assert told.args["user"] == ALICE and "no branch or tag 'nope'" in told.args["text"]
        assert await board.runs.recent() == [] and slack.posts == []
        # a service the config does not have is refused in the ack itself
        ack = (await send(bot, slash_command("deploy nosuch main"))).json()["text"]
        assert "there is no service 'nosuch'; the services are backend, frontend" in ack


async def test_a_repeated_request_starts_one_run(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    body = slash_command("deploy backend main", trigger_id="1.2.same-request")
    async with chat_bot(redis_settings, slack, repo, notify=False) as (bot, board):
        for _ in range(2):
            assert (await send(bot, body)).status_code == 200
        await eventually(lambda: len(slack.called("chat.postMessage")) >= 2, what="the thread and its answer")
        await eventually(lambda: bot.bot.jobs.done == 2, what="both requests handled")
        assert len(await board.runs.recent()) == 1
        assert len(slack.tops()) == 1 and len(slack.called("chat.postMessage")) == 2


async def test_status_runs_approve_and_reject(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    async with chat_bot(redis_settings, slack, repo, notify=False) as (bot, board):
        created = await board.runs.create(
            [
                TaskSpec(id="deploy:backend", capability="deploy", approval=True),
                TaskSpec(id="deploy:frontend", capability="deploy", approval=True),
            ]
        )
        run = created.run_id

        runs = (await send(bot, slash_command("runs"))).json()["text"]
        assert run in runs and "running" in runs

        status = (await send(bot, slash_command(f"status {run}"))).json()
        assert "deploy:backend" in str(status["blocks"]) and "waiting" in str(status["blocks"])
        overview = (await send(bot, slash_command("status"))).json()["text"]
        assert "1* run(s) in progress" in overview and run in overview

        approved = (await send(bot, slash_command(f"approve {run} deploy:backend", user=CAROL))).json()[
            "text"
        ]
        assert "approved" in approved
        rejected = (
            await send(bot, slash_command(f"reject {run} deploy:frontend freeze", user=ALICE))
        ).json()["text"]
        assert "rejected" in rejected
        tasks = {t.spec: t for t in await board.runs.tasks(run)}
        assert tasks["deploy:backend"].state is TaskState.PENDING
        assert tasks["deploy:backend"].approved_by == f"slack:{CAROL}"
        assert (
            tasks["deploy:frontend"].state is TaskState.FAILED and "freeze" in tasks["deploy:frontend"].error
        )

        again = (await send(bot, slash_command(f"approve {run} deploy:backend"))).json()["text"]
        assert "not waiting for an approval" in again
        missing = (await send(bot, slash_command("status 000000000-00000000"))).json()["text"]
        assert "no run 000000000-00000000" in missing
        assert slack.posts == []  # answers to commands are the acks: nothing in the channel


async def test_usage_errors_answer_with_the_usage(redis_settings: BoardSettings, slack: FakeSlack) -> None:
    async with chat_bot(redis_settings, slack, notify=False) as (bot, board):
        text = (await send(bot, slash_command("deploy backend"))).json()["text"]
        # Slack's mrkdwn reads <...> as links: what is not a link is escaped
        assert "usage: deploy &lt;service&gt; &lt;ref&gt;" in text
        assert "`/orchestra rollback &lt;service&gt; [version]`" in text
        text = (await send(bot, slash_command("deploy backend --upload-pack=evil"))).json()["text"]
        assert "is not a branch, tag or commit" in text
        text = (await send(bot, slash_command(""))).json()["text"]
        assert "Commands:" in text
        assert await board.runs.recent() == [] and slack.calls == [
            c for c in slack.calls if c.method == "auth.test"
        ]
