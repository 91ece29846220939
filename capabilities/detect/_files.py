"""Reading a repository safely: capped reads, pruned walks, names that fit the config schema."""

from __future__ import annotations

import logging
import os
import re
from collections import deque
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

MAX_BYTES = 512 * 1024
"""Files larger than this are not read (bundles, lockfiles, generated code)."""
MAX_FILES = 2000
"""At most this many files are listed per service."""
MAX_DEPTH = 8

SKIP_DIRS = frozenset(
    {
        "node_modules",
        ".venv",
        "venv",
        ".git",
        "__pycache__",
        "dist",
        "build",
        ".orchestra",
        "target",
        "vendor",
        "coverage",
        "site-packages",
    }
)
"""Never descended into. Hidden folders (``.next``, ``.tox``, ``.github``) are skipped too."""

MANIFESTS = (
    "package.json",
    "pyproject.toml",
    "requirements.txt",
    "Pipfile",
    "setup.py",
    "go.mod",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
)
"""A folder holding one of these is a project of its own: a service's walk does not enter it."""

_NAME_BAD = re.compile(r"[^a-z0-9\-_]+")


def read_text(path: Path, limit: int = MAX_BYTES) -> str | None:
    """The file's text, or None when it is missing, not a regular file, too big or unreadable."""
    try:
        if not path.is_file() or path.is_symlink():
            return None
        if path.stat().st_size > limit:
            log.debug("detect: %s is larger than %d bytes, not read", path, limit)
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        log.debug("detect: cannot read %s: %s", path, exc)
        return None


def skipped(name: str) -> bool:
    return name in SKIP_DIRS or name.startswith(".")


def _own_project(path: str) -> bool:
    """A virtualenv (``pyvenv.cfg``) or a nested project with its own manifest."""
    return any(os.path.isfile(os.path.join(path, name)) for name in ("pyvenv.cfg", *MANIFESTS))


def list_files(root: Path, suffixes: Iterable[str] = (), limit: int = MAX_FILES) -> list[Path]:
    """Files under ``root`` (relative to it, sorted, breadth first), pruning :data:`SKIP_DIRS`,
    virtualenvs and nested projects (folders with a manifest of their own).

    Only names ending with one of ``suffixes`` are returned (all files when empty); the walk
    stops after ``limit`` files have been *seen*, matching or not, so a huge tree costs little.
    """
    wanted = tuple(suffixes)
    found: list[Path] = []
    seen = 0
    queue: deque[tuple[Path, int]] = deque([(root, 0)])
    while queue:
        folder, depth = queue.popleft()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_symlink():
                    continue
                if entry.is_dir():
                    if depth < MAX_DEPTH and not skipped(entry.name) and not _own_project(entry.path):
                        queue.append((Path(entry.path), depth + 1))
                    continue
            except OSError:
                continue
            seen += 1
            if seen > limit:
                log.debug("detect: stopped listing %s after %d files", root, limit)
                return found
            if not wanted or entry.name.endswith(wanted):
                found.append(Path(entry.path).relative_to(root))
    return found


def first_existing(root: Path, candidates: Iterable[str]) -> str | None:
    """The first of ``candidates`` (paths relative to ``root``) that is a file."""
    for rel in candidates:
        if (root / rel).is_file():
            return rel
    return None


def service_name(raw: str) -> str:
    """A folder name as a service name: ``My_App`` -> ``my-app`` (``^[a-z0-9][a-z0-9\\-_]{0,62}$``)."""
    name = raw.strip().lower().replace(" ", "-").replace("_", "-")
    name = _NAME_BAD.sub("-", name)
    name = re.sub(r"-{2,}", "-", name).lstrip("-_")[:63].rstrip("-_")
    return name or "app"


def major_minor(text: str | None) -> str | None:
    """``>=3.11,<4`` -> ``3.11``; ``python-3.12.1`` -> ``3.12``."""
    if not text:
        return None
    m = re.search(r"(\d+)\.(\d+)", text)
    return f"{m.group(1)}.{m.group(2)}" if m else None


def major(text: str | None) -> str | None:
    """``>=18.17`` -> ``18``; ``v20.11.0`` -> ``20``; ``1.8`` -> ``8`` (Java's old numbering)."""
    if not text:
        return None
    m = re.search(r"(\d+)(?:\.(\d+))?", text)
    if not m:
        return None
    if m.group(1) == "1" and m.group(2):
        return m.group(2)
    return m.group(1)


def port_number(text: str | int | None) -> int | None:
    """A TCP port from an int or a digit string, when it is a valid one."""
    try:
        value = int(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and 0 < value < 65536 else None


def health_rank(path: str) -> int | None:
    """How much ``path`` looks like a health check (lower is better), or None when it does not."""
    lowered = path.lower()
    if "<" in lowered or "{" in lowered or ":" in lowered or "*" in lowered:
        return None
    for rank, word in enumerate(("health", "live", "ready", "ping")):
        if word in lowered:
            return rank * 100 + len(lowered)
    return None


def best_health(paths: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """From ``(path, where)`` pairs, the best health path and where it was seen."""
    ranked = [(rank, path, where) for path, where in paths if (rank := health_rank(path)) is not None]
    if not ranked:
        return None
    _, path, where = min(ranked)
    return path, where


def repo_root(service_dir: Path, rel: str) -> Path:
    """The repository root, from a service's folder and its path relative to the root."""
    depth = 0 if rel in ("", ".") else len(Path(rel).parts)
    return service_dir.parents[depth - 1] if depth else service_dir
