"""What a peer's host gives every capability: its caches (and, later, its tools)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .source import Workspaces


def default_cache_dir() -> Path:
    """``ORCHESTRA_CACHE_DIR``, else ``$XDG_CACHE_HOME/devops-orchestra``, else ``~/.cache/...``."""
    if explicit := os.environ.get("ORCHESTRA_CACHE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "devops-orchestra"


@dataclass(frozen=True)
class Host:
    cache_dir: Path
    workspaces: Workspaces
    keep_workspaces: bool = False
    """Leave task working copies on disk (``ORCHESTRA_KEEP_WORKSPACES=1``), for debugging."""

    @classmethod
    def at(cls, cache_dir: Path | None = None) -> Host:
        root = cache_dir or default_cache_dir()
        return cls(
            cache_dir=root,
            workspaces=Workspaces(root),
            keep_workspaces=os.environ.get("ORCHESTRA_KEEP_WORKSPACES") == "1",
        )
