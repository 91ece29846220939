"""A pruned walk of a source tree: symlinks never followed, folders entered only when the
caller says so, a limit on how many files come back."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

Entry = os.DirEntry[str]


def walk_files(
    root: Path, *, enter: Callable[[Entry], bool], keep: Callable[[Entry], bool], limit: int
) -> list[Path]:
    """The files under ``root`` that ``keep`` accepts, in the folders ``enter`` accepts, relative
    to ``root`` and sorted; at most ``limit`` of them (a warning says when the walk stopped)."""
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
                    if enter(entry):
                        stack.append(Path(entry.path))
                elif keep(entry):
                    found.append(Path(entry.path).relative_to(root))
            except OSError:
                continue
            if len(found) >= limit:
                log.warning("stopped listing %s after %d files", root, limit)
                return sorted(found)
    return sorted(found)


def is_virtualenv(entry: Entry) -> bool:
    return os.path.isfile(os.path.join(entry.path, "pyvenv.cfg"))
