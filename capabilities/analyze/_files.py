"""The source files of a service: a pruned walk that never enters dependencies or build output."""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from pathlib import Path

from .._walk import is_virtualenv, walk_files

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
    return name in SKIP_DIRS or name.startswith(".") or is_virtualenv(entry)


def source_files(
    root: Path, suffixes: Iterable[str], exclude: Collection[Path] = (), limit: int = MAX_FILES
) -> list[Path]:
    """Files under ``root`` ending with one of ``suffixes``, relative to ``root``, sorted."""
    wanted = tuple(suffixes)
    return walk_files(
        root,
        enter=lambda e: not skipped_dir(e) and Path(e.path) not in exclude,
        keep=lambda e: e.name.endswith(wanted),
        limit=limit,
    )
