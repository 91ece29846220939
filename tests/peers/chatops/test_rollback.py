"""``/orchestra rollback <service> [version]``: a run whose one task rolls the service back, with
the config it needs and who asked for it, after checking the deploy history allows it."""

from __future__ import annotations

import json

import pytest

from blackboard import Board, BoardSettings, TaskState
from capabilities.deploy.history import DeployRecord, ledger_name
from tests.support.slack import FakeSlack, slash_command
from tests.support.wait import eventually

from .conftest import ALICE, CAROL, Repo, chat_bot, send

pytestmark = pytest.mark.anyio


async def deployed(board: Board, *versions: str) -> None:
    for v in versions:  # oldest first: the ledger reads newest first
        record = DeployRecord(version=v, status="promoted", healthy=True, strategy="canary")
        await board.ledger.append(ledger_name("shop", "backend"), record.encode())


async def test_rollback_starts_a_run_from_the_serving_to_the_previous_healthy_version(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    async with chat_bot(redis_settings, slack, repo) as (bot, board):
        await deployed(board, "v1", "v2")
        ack = (await send(bot, slash_command("rollback backend", user=CAROL, channel="C0OPS"))).json()
        assert "Rolling *backend* back" in ack["text"]

        [run] = await eventually(board.runs.recent, what="the rollback run")
        assert run.meta.trigger == "chat:rollback" and run.meta.labels["project"] == "shop"
        [task] = await board.runs.tasks(run.id)
        assert (task.spec, task.capability) == ("rollback:backend", "rollback")
        assert (
            task.inputs["service"] == "backend"
            and task.inputs["from"] == "v2"
            and task.inputs["version"] == "v1"
        )
        # approved by the person who asked, once the run's config was in place: a peer may take it now
        assert task.state is TaskState.PENDING and task.approved_by == f"slack:{CAROL}"
        config = json.loads(await board.artifacts.get(run.id, "config.json"))
        assert [s["name"] for s in config["deployment"]["services"]] == ["backend", "frontend"]

        top = (await eventually(slack.tops, what="the thread"))[0]
        assert top.channel == "C0OPS" and "Rollback of *backend* from `v2` to `v1`" in top.text
        await eventually(
            lambda: any(
                f"run `{run.id}` rolls *backend* back" in m.text for m in slack.thread("C0OPS", top.ts)
            ),
            what="the answer in the thread",
        )


async def test_a_version_that_is_not_part_of_the_rollback_is_refused(
    redis_settings: BoardSettings, slack: FakeSlack, repo: Repo
) -> None:
    async with chat_bot(redis_settings, slack, repo, notify=False) as (bot, board):
        await send(bot, slash_command("rollback backend", user=ALICE))
        [told] = await eventually(lambda: slack.called("chat.postEphemeral"), what="no history")
        assert "backend has no healthy deployed version to roll back from" in told.args["text"]

        await deployed(board, "v1", "v2", "v3")
        await send(bot, slash_command("rollback backend v1", user=ALICE))
        told = await eventually(lambda: _n(slack.called("chat.postEphemeral"), 2), what="the refusal")
        assert "from v3 (serving) to v2" in told[1].args["text"] and "v1 is neither" in told[1].args["text"]
        ack = (await send(bot, slash_command("rollback nosuch", user=ALICE))).json()["text"]
        assert "there is no service 'nosuch'" in ack
        assert await board.runs.recent() == []

        await send(bot, slash_command("rollback backend v2", user=ALICE))  # naming the target is fine
        [run] = await eventually(board.runs.recent, what="the rollback run")
        [task] = await board.runs.tasks(run.id)
        assert (task.inputs["from"], task.inputs["version"]) == ("v3", "v2")


def _n(items: list[object], n: int) -> list[object] | None:
    return items if len(items) >= n else None
