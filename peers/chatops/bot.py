"""The parts of the bot every handler shares, built once around an open board."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from blackboard import Board
from capabilities.source import Workspaces

from .auth import Authorizer
from .jobs import Jobs
from .messages import Message
from .settings import ChatOpsSettings
from .source import BotConfig, cache_root
from .threads import Threads

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bot:
    board: Board
    settings: ChatOpsSettings
    client: AsyncWebClient
    config: BotConfig
    auth: Authorizer
    threads: Threads
    jobs: Jobs
    workspaces: Workspaces

    async def tell(self, channel: str, user: str, message: Message, response_url: str = "") -> None:
        """An ephemeral message: only ``user`` sees it (errors, confirmations, refusals).

        Through the request's ``response_url`` when there is one (it works where the bot is no
        member, for 30 minutes), else ``chat.postEphemeral``."""
        try:
            if response_url:
                reply = await AsyncWebhookClient(response_url, timeout=10).send(
                    response_type="ephemeral", replace_original=False, **message.kwargs()
                )
                if reply.status_code < 300:
                    return
                log.warning("response_url answered %s; telling %s another way", reply.status_code, user)
            await self.client.chat_postEphemeral(channel=channel, user=user, **message.kwargs())
        except Exception as exc:  # the answer is lost, the bot goes on
            log.warning("could not tell %s in %s: %s", user, channel, exc)


def web_client(settings: ChatOpsSettings) -> AsyncWebClient:
    """Slack's Web API client: the bot token, the (overridable) API URL, retries on HTTP 429."""
    client = AsyncWebClient(token=settings.bot_token, base_url=settings.api_base, timeout=10)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    return client


async def build_bot(board: Board, settings: ChatOpsSettings, client: AsyncWebClient | None = None) -> Bot:
    """The bot's parts, with its config read (raises ChatOpsError when it cannot be)."""
    client = client or web_client(settings)
    workspaces = Workspaces(cache_root(settings))
    config = BotConfig(settings, workspaces)
    await config.load()
    log.info("chatops config from %s", config.source)
    return Bot(
        board=board,
        settings=settings,
        client=client,
        config=config,
        auth=Authorizer(client, lambda: config.current.chatops.allow),
        threads=Threads(board, client, wait_s=settings.thread_wait_s),
        jobs=Jobs(settings.workers),
        workspaces=workspaces,
    )
