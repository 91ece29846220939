"""The files a scan looks at: everything of the service but dependencies, caches and VCS data;
hidden files and folders (``.env``, ``.github/``) are included, they are where secrets hide."""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

from .._walk import is_virtualenv, walk_files

MAX_FILES = 20_000
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "bower_components",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".cache",
        ".terraform",
        ".next",
        ".nuxt",
        "site-packages",
        "dist",
        "build",
        "coverage",
        "htmlcov",
    }
)
_DOCKERFILE = re.compile(r"^(?:Dockerfile|Containerfile)(?:\..+)?$|.+\.(?:Dockerfile|dockerfile)$")
_K8S = re.compile(r"^apiVersion:\s*\S+", re.MULTILINE)
_KIND = re.compile(r"^kind:\s*[A-Z]\w+", re.MULTILINE)


def all_files(root: Path, exclude: Collection[Path] = (), limit: int = MAX_FILES) -> list[Path]:
    """Every regular file under ``root``, relative to it, sorted (symlinks are not followed)."""
    return walk_files(
        root,
        enter=lambda e: e.name not in SKIP_DIRS and not is_virtualenv(e) and Path(e.path) not in exclude,
        keep=lambda e: e.is_file(),
        limit=limit,
    )


def dockerfiles(files: list[Path]) -> list[Path]:
    return [f for f in files if _DOCKERFILE.match(f.name)]


def terraform_files(files: list[Path]) -> list[Path]:
    return [f for f in files if f.suffix == ".tf"]


def kubernetes_manifests(root: Path, files: list[Path]) -> list[Path]:
    """YAML files with a top-level ``apiVersion`` and ``kind``."""
    found = []
    for rel in files:
        if rel.suffix not in (".yaml", ".yml"):
            continue
        try:
            head = (root / rel).read_text(errors="replace")[:65536]
        except OSError:
            continue
        if _K8S.search(head) and _KIND.search(head):
            found.append(rel)
    return found
