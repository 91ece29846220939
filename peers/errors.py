"""Errors of the peer processes.

OrchestraError                 (blackboard.errors)
└── PeerError                  a peer cannot start or go on
    ├── UnknownCapability      no capability by that name is installed or loaded
    └── NothingToServe         none of the requested capabilities is available here
"""

from __future__ import annotations

from blackboard.errors import OrchestraError


class PeerError(OrchestraError):
    """A peer cannot start or go on."""


class UnknownCapability(PeerError):
    """No capability by that name is installed or loaded."""


class NothingToServe(PeerError):
    """None of the requested capabilities is available on this host."""
