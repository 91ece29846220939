"""Fixture repositories are written into ``tmp_path`` from ``{relative path: text}`` tables."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

Files = dict[str, str]


def write_tree(root: Path, files: Files) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Callable[..., Path]:
    """``repo({"app.py": "..."})`` -> a repository folder named ``repo`` holding those files."""

    def make(files: Files, name: str = "repo") -> Path:
        return write_tree(tmp_path / name, files)

    return make
