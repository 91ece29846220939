"""Errors of rollouts.

TaskFailed (capabilities.errors)
└── RolledBack     the new version was rolled back: retrying it as it is would fail the same way
"""

from __future__ import annotations

from ..errors import TaskFailed


class RolledBack(TaskFailed):
    """The new version failed its analysis and traffic went back to the last healthy version."""

    healable = False
    """A diagnosis-and-retry would roll the same bad version out again (see peers.runtime)."""
