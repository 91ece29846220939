"""Errors of the GitHub feedback.

OrchestraError                 (blackboard.errors)
└── PeerError                  (peers.errors)
    └── FeedbackError          the feedback cannot start: no token, a bad setting
        └── GitHubError        GitHub's REST API refused a request or could not be reached
"""

from __future__ import annotations

from ..errors import PeerError


class FeedbackError(PeerError):
    """The feedback cannot start: no token, a bad setting."""


class GitHubError(FeedbackError):
    """GitHub's REST API refused a request or could not be reached."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable
