"""Errors of the board.

OrchestraError                 root of every error DevOps Orchestra raises on purpose
└── BoardError                 the board refused or could not do an operation
    ├── PlanError              a DAG is malformed: duplicate id, unknown need, cycle
    ├── NotFound               no run, task or artifact by that id
    ├── InvalidState           the operation does not apply to the record's state
    ├── BudgetExceeded         a run may not grow by that many tasks
    ├── ArtifactTooLarge       an artifact is over the size cap
    ├── Fenced                 a write came with a stale fencing token
    └── BoardUnavailable       Redis cannot be reached (retryable)
"""

from __future__ import annotations


class OrchestraError(Exception):
    """Root of every error DevOps Orchestra raises on purpose."""

    retryable: bool = False


class BoardError(OrchestraError):
    """The board refused or could not do an operation."""


class PlanError(BoardError):
    """A DAG is malformed: a duplicate id, an unknown need or a cycle."""


class NotFound(BoardError):
    """No run, task or artifact by that id."""


class InvalidState(BoardError):
    """The operation does not apply to the record in its current state."""


class BudgetExceeded(BoardError):
    """A run may not grow by that many tasks."""


class ArtifactTooLarge(BoardError):
    """An artifact is over the board's size cap."""


class Fenced(BoardError):
    """A write came with a fencing token that is no longer the task's current one."""


class BoardUnavailable(BoardError):
    """Redis cannot be reached; the operation may be retried."""

    retryable = True
