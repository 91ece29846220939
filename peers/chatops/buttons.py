"""Buttons: Approve / Reject on approval requests, Run it / Cancel on interpreted requests.

A click is authorised exactly like the command it stands for (``approve``, ``reject``, or the
confirmed command), acknowledged at once, and carried out by the bot's workers.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond

from blackboard import InvalidState, NotFound

from . import messages
from .commands import Commands, Invocation
from .messages import Message, esc
from .parse import FreeText, Help, parse

log = logging.getLogger(__name__)


class Click:
    """The parts of a ``block_actions`` payload a handler needs."""

    def __init__(self, body: dict[str, Any]) -> None:
        action = (body.get("actions") or [{}])[0]
        self.user = str((body.get("user") or {}).get("id", ""))
        self.channel = str(
            (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
        )
        self.message_ts = str(
            (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts", "")
        )
        self.value = str(action.get("value", ""))
        self.trigger_id = str(body.get("trigger_id") or action.get("action_ts") or "")
        self.response_url = str(body.get("response_url", ""))


class Buttons:
    def __init__(self, commands: Commands) -> None:
        self.commands = commands
        self.bot = commands.bot

    async def decide(self, click: Click, approve: bool) -> None:
        """Approve or reject the task in the button's value, then replace the buttons by the decision."""
        bot, verb = self.bot, "approve" if approve else "reject"
        if not await bot.auth.allowed(click.user, verb):
            log.info("refused %s by button to %s", verb, click.user)
            refusal = Message(messages.refusal(click.user, verb, self.commands.slash))
            await bot.tell(click.channel, click.user, refusal, click.response_url)
            return
        try:
            await self.commands.decide(click.value, approve, click.user)
        except (InvalidState, NotFound) as exc:
            await bot.tell(
                click.channel, click.user, Message(f":warning: {esc(str(exc))}"), click.response_url
            )
            return
        if click.channel and click.message_ts:
            done = messages.decided(click.value, approve, f"slack:{click.user}")
            await bot.client.chat_update(channel=click.channel, ts=click.message_ts, **done.kwargs())

    async def confirm(self, click: Click, respond: AsyncRespond) -> None:
        """Run the command an interpreted request was turned into, as the person who clicked."""
        command = parse(click.value)
        if isinstance(command, FreeText | Help):
            await respond(text="There is nothing to run here.", replace_original=True)
            return
        if not await self.bot.auth.allowed(click.user, command.name):
            await respond(
                text=messages.refusal(click.user, command.name, self.commands.slash), replace_original=True
            )
            return
        inv = Invocation(click.user, click.channel, click.trigger_id, click.value, click.response_url)
        answer = await self.commands.execute(command, inv)
        await respond(
            text=f"`{self.commands.slash} {esc(click.value, 300)}`: {answer.message.text}",
            replace_original=True,
        )
        if answer.job is not None:
            await answer.job()

    async def dismiss(self, respond: AsyncRespond) -> None:
        await respond(delete_original=True)
