"""Errors of capabilities.

OrchestraError                 (blackboard.errors)
└── CapabilityError            a capability could not do its task
    ├── TaskFailed             the task failed for a reason worth showing as is; may be retryable
    └── NotAvailable           the capability cannot run on this host
"""

from __future__ import annotations

from blackboard.errors import OrchestraError


class CapabilityError(OrchestraError):
    """A capability could not do its task."""


class TaskFailed(CapabilityError):
    """The task failed for a reason worth showing as is (no traceback); may be retried."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class NotAvailable(CapabilityError):
    """The capability cannot run on this host."""
