"""Source: local snapshots and the peers' workspace cache, both plain git."""

from ._git import GitError, git
from .snapshot import Snapshot, snapshot
from .workspace import Workspaces

__all__ = ["GitError", "Snapshot", "Workspaces", "git", "snapshot"]
