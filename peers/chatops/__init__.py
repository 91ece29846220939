"""The ChatOps bot: Slack slash commands and buttons in, one updated thread per run out.

``orchestra chatops`` builds :class:`ChatOpsSettings` and calls :func:`serve`; tests use
:func:`running` around a board they opened.
"""

from .app import RunningBot, create_app, http_app, running, serve
from .auth import Authorizer
from .bot import Bot, build_bot, web_client
from .commands import Answer, Commands, Invocation
from .errors import BadCommand, ChatOpsError, RefNotFound
from .notifier import CATEGORY, Notifier
from .parse import Command, canonical, parse
from .settings import ChatOpsSettings
from .source import BotConfig, Resolved, resolve_ref
from .threads import Thread, Threads

__all__ = [
    "CATEGORY",
    "Answer",
    "Authorizer",
    "BadCommand",
    "Bot",
    "BotConfig",
    "ChatOpsError",
    "ChatOpsSettings",
    "Command",
    "Commands",
    "Invocation",
    "Notifier",
    "RefNotFound",
    "Resolved",
    "RunningBot",
    "Thread",
    "Threads",
    "build_bot",
    "canonical",
    "create_app",
    "http_app",
    "parse",
    "resolve_ref",
    "running",
    "serve",
    "web_client",
]
