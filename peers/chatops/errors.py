"""Errors of the ChatOps bot.

OrchestraError                 (blackboard.errors)
└── PeerError                  (peers.errors)
    └── ChatOpsError           the bot cannot start, or a chat request cannot be carried out
        ├── BadCommand         the command text does not parse (the message is the usage hint)
        └── RefNotFound        the git ref asked for is not in the repository
"""

from __future__ import annotations

from ..errors import PeerError


class ChatOpsError(PeerError):
    """The bot cannot start, or a chat request cannot be carried out."""


class BadCommand(ChatOpsError):
    """The command text does not parse; the message says how to write it."""


class RefNotFound(ChatOpsError):
    """The git ref asked for is not a branch, tag or commit of the repository."""
