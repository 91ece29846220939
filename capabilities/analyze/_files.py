"""The source files of a service: a pruned walk that never enters dependencies or build output."""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Iterable
from pathlib import Path

log = logging.getLogger(__name__)

MAX_FILES = 5000
"""A walk stops after this many matching files (and says so in the log)."""

SKIP_DIRS = frozenset(
    {
        "node_modules",
        "bower_components",
        "venv",
        "site-packages",
        "__pycache__",
        "dist",
        "build",
        "coverage",
        "htmlcov",
        "target",
        "vendor",
    }
)
"""Never entered; hidden folders (``.git``, ``.venv``, ``.tox``) are skipped too."""


def skipped_dir(entry: os.DirEntry[str]) -> bool:
    name = entry.name
    return name in SKIP_DIRS or name.startswith(".") or os.path.isfile(os.path.join(entry.path, "pyvenv.cfg"))


def source_files(
    root: Path, suffixes: Iterable[str], exclude: Collection[Path] = (), limit: int = MAX_FILES
) -> list[Path]:
    """Files under ``root`` ending with one of ``suffixes``, relative to ``root``, sorted."""
    wanted = tuple(suffixes)
    found: list[Path] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_symlink():
                    continue
                if entry.is_dir():
                    if not skipped_dir(entry) and Path(entry.path) not in exclude:
                        stack.append(Path(entry.path))
                elif entry.name.endswith(wanted):
                    found.append(Path(entry.path).relative_to(root))
            except OSError:
                continue
            if len(found) >= limit:
                log.warning("stopped listing %s after %d files", root, limit)
                return sorted(found)
    return sorted(found)
