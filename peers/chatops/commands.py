"""``/orchestra ...``: parse, authorise, answer within Slack's 3 s, leave the work to the board.

``handle`` returns the ack (an ephemeral answer) and, for commands that take longer than an ack
may, a job the bot runs after acking: resolving a ref and starting a run, opening the run's
thread, or asking the LLM what a free-text request means.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio

from blackboard import TRANSIENT_ERRORS, InvalidState, NotFound, OrchestraError
from capabilities.config import AI
from capabilities.llm import LLM, LLMError, get_llm
from capabilities.llm.schemas.chat import ChatIntent, ChatRequest

from . import messages
from .bot import Bot
from .errors import ChatOpsError
from .jobs import Job
from .launch import Launched, check_service, launch_deploy, launch_rollback
from .messages import Message, esc
from .parse import (
    MUTATING,
    Command,
    Decide,
    Deploy,
    FreeText,
    Help,
    RollbackCmd,
    Runs,
    Status,
    canonical,
    parse,
)

log = logging.getLogger(__name__)

UNAVAILABLE: tuple[type[BaseException], ...] = (TimeoutError, *TRANSIENT_ERRORS)
BOARD_DEADLINE_S = 1.5
"""Board reads and approvals done before the ack must leave it time to reach Slack."""


@dataclass(frozen=True, slots=True)
class Invocation:
    """Who asked what, where: a slash command or a confirmation click."""

    user: str
    channel: str
    request_id: str
    """Slack's ``trigger_id``: one run per request, however often it is delivered."""
    text: str = ""
    response_url: str = ""
    """Where follow-ups for the person go (Slack gives one with every command and click)."""


@dataclass(frozen=True, slots=True)
class Answer:
    message: Message
    """The ack: seen only by the person who asked."""
    job: Job | None = None


class Commands:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.slash = bot.settings.command

    async def handle(self, inv: Invocation) -> Answer:
        """The answer to ``/orchestra <inv.text>``; refusals and usage errors do nothing else."""
        command = parse(inv.text)
        if isinstance(command, Help):
            return Answer(Message(messages.usage(self.slash, command.error)))
        if isinstance(command, FreeText):
            return Answer(
                Message(f"Let me work out what `{esc(command.text, 200)}` asks for…"),
                self._job(inv, lambda: self._interpret(inv, command.text)),
            )
        if not await self.bot.auth.allowed(inv.user, command.name):
            log.info("refused %s to %s", command.name, inv.user)
            return Answer(Message(messages.refusal(inv.user, command.name, self.slash)))
        return await self.execute(command, inv)

    async def execute(self, command: Command, inv: Invocation) -> Answer:
        """Carry out an authorised command."""
        log.info("%s asks: %s", inv.user, canonical(command))
        try:
            with anyio.fail_after(BOARD_DEADLINE_S):
                return await self._execute(command, inv)
        except ChatOpsError as exc:
            return Answer(Message(f":warning: {esc(str(exc))}"))
        except (NotFound, InvalidState) as exc:
            return Answer(Message(f":warning: {esc(str(exc))}"))
        except UNAVAILABLE as exc:
            log.warning("the board did not answer in time for %s: %s", canonical(command), exc)
            return Answer(Message(":warning: the board did not answer in time; try again in a moment"))

    async def _execute(self, command: Command, inv: Invocation) -> Answer:
        board = self.bot.board
        if isinstance(command, Deploy | RollbackCmd):
            check_service(self.bot.config.current, command.service)
        if isinstance(command, Deploy):
            repo = self.bot.config.repo
            if not repo:
                raise ChatOpsError(
                    "I do not know which repository to deploy from: "
                    "set ORCHESTRA_CHATOPS_REPO or project.repo"
                )
            job = self._job(inv, lambda: self._deploy(inv, command, repo))
            return Answer(
                Message(f"Deploying *{command.service}* at `{esc(command.ref, 100)}`… answer in a thread."),
                job,
            )
        if isinstance(command, RollbackCmd):
            job = self._job(inv, lambda: self._rollback(inv, command))
            return Answer(Message(f"Rolling *{command.service}* back… answer in a thread."), job)
        if isinstance(command, Status):
            if command.run is None:
                stats, peers, runs = (
                    await board.tasks.stats(),
                    await board.peers.all(),
                    await board.runs.recent(20),
                )
                return Answer(Message(messages.board_status(stats, peers, runs)))
            run = await board.runs.get(command.run)
            return Answer(messages.head(messages.title_of(run), run, await board.runs.tasks(run.id)))
        if isinstance(command, Runs):
            return Answer(Message(messages.runs_list(await board.runs.recent(10))))
        if isinstance(command, Decide):
            return Answer(
                Message(await self.decide(command.task_id, command.approve, inv.user, command.reason))
            )
        return Answer(Message(messages.usage(self.slash)))

    async def decide(self, tid: str, approve: bool, user: str, reason: str = "") -> str:
        """Approve or reject a waiting task as ``slack:<user>``; the answer to show."""
        if approve:
            await self.bot.board.tasks.approve(tid, f"slack:{user}", reason)
        else:
            await self.bot.board.tasks.reject(tid, f"slack:{user}", reason or "rejected in Slack")
        verb = "approved" if approve else "rejected"
        return f"`{esc(messages.spec_of(tid), 100)}` of run `{tid.split('.', 1)[0]}` {verb}."

    # -- after the ack ----------------------------------------------------------------------

    async def _tell(self, inv: Invocation, message: Message | str) -> None:
        await self.bot.tell(
            inv.channel,
            inv.user,
            message if isinstance(message, Message) else Message(message),
            inv.response_url,
        )

    def _job(self, inv: Invocation, work: Callable[[], Awaitable[None]]) -> Job:
        async def job() -> None:
            try:
                await work()
            except (ChatOpsError, NotFound, InvalidState, LLMError) as exc:
                await self._tell(inv, f":warning: {esc(str(exc))}")
            except OrchestraError as exc:
                log.warning("chat request %s failed: %s", inv.request_id, exc)
                await self._tell(inv, f":warning: {esc(str(exc))}")
            except TRANSIENT_ERRORS as exc:
                log.warning("chat request %s: the board is unavailable: %s", inv.request_id, exc)
                await self._tell(inv, ":warning: the board is unavailable; try again")
            except Exception:
                log.exception("chat request %s failed", inv.request_id)
                await self._tell(inv, ":warning: that failed; the bot's log says why")

        return job

    async def _deploy(self, inv: Invocation, command: Deploy, repo: str) -> None:
        bot = self.bot
        launched = await launch_deploy(
            bot.board,
            bot.workspaces,
            bot.config.current,
            repo=repo,
            service=command.service,
            ref=command.ref,
            user=inv.user,
            request_id=inv.request_id,
        )
        await self._answer_in_thread(inv, launched)

    async def _rollback(self, inv: Invocation, command: RollbackCmd) -> None:
        bot = self.bot
        launched = await launch_rollback(
            bot.board,
            bot.config.current,
            repo=bot.config.repo,
            service=command.service,
            version=command.version,
            user=inv.user,
            request_id=inv.request_id,
            config_source=bot.config.source,
        )
        await self._answer_in_thread(inv, launched)

    async def _answer_in_thread(self, inv: Invocation, launched: Launched) -> None:
        threads = self.bot.threads
        thread = await threads.open(launched.run_id, [inv.channel, self.bot.config.channel], launched.title)
        if launched.created:
            await threads.reply(thread, Message(launched.summary))

    async def _interpret(self, inv: Invocation, text: str) -> None:
        """Free text -> a command, proposed with a confirmation button when it changes anything."""
        config = self.bot.config.current
        request = ChatRequest(
            text=text,
            services=[s.name for s in config.deployment.services],
            default_ref=next(iter(config.pipeline.deploy_branches), None),
        )
        generation = await _llm(config.ai).generate("chat_intent", request.model_dump(), ChatIntent)
        intent = generation.value
        if intent.command is None or intent.command == "help":
            why = f"I did not understand that ({esc(intent.reason, 200)})." if intent.reason else ""
            return await self._tell(inv, messages.usage(self.slash, why))
        if missing := intent.missing():
            which = " and ".join(missing)
            return await self._tell(
                inv, f"That sounds like `{intent.command}`, but which {which}? Try `{self.slash} help`."
            )
        command = parse(" ".join(intent.words()))
        if isinstance(command, Help | FreeText):
            return await self._tell(inv, messages.usage(self.slash, command.name))
        if not await self.bot.auth.allowed(inv.user, command.name):
            return await self._tell(inv, messages.refusal(inv.user, command.name, self.slash))
        if command.name in MUTATING:
            typed = canonical(command)
            question = f"I understood `{self.slash} {esc(typed, 300)}`. Run it?"
            return await self._tell(inv, messages.confirm(question, typed))
        answer = await self.execute(command, inv)
        await self._tell(inv, answer.message)


def _llm(ai: AI) -> LLM:
    """The LLM the config asks for; the deterministic template one when that is not available."""
    try:
        return get_llm(ai)
    except LLMError as exc:
        log.info("chat_intent uses the template backend: %s", exc)
        return get_llm(None)
