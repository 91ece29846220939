"""The shared helpers: names, versions, health ranking and the pruned, capped walk."""

from __future__ import annotations

from pathlib import Path

import pytest

from capabilities.detect._files import (
    best_health,
    list_files,
    major,
    major_minor,
    read_text,
    repo_root,
    service_name,
)


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("My App", "my-app"),
        ("orders_api", "orders-api"),
        ("--Weird!!Name--", "weird-name"),
        ("x" * 80, "x" * 63),
        ("...", "app"),
    ],
)
def test_service_name(raw: str, name: str) -> None:
    assert service_name(raw) == name


@pytest.mark.parametrize(
    ("text", "mm", "mj"),
    [
        (">=3.11,<4", "3.11", "3"),
        ("python-3.12.1", "3.12", "3"),
        ("v20.11.0", "20.11", "20"),
        (">=18", None, "18"),
        ("1.8", "1.8", "8"),
        ("lts/*", None, None),
        (None, None, None),
    ],
)
def test_versions(text: str | None, mm: str | None, mj: str | None) -> None:
    assert (major_minor(text), major(text)) == (mm, mj)


def test_best_health_prefers_health_then_shorter_and_skips_parameters() -> None:
    paths = [("/api/ping", "a"), ("/healthz", "b"), ("/health", "c"), ("/health/<id>", "d"), ("/users", "e")]
    assert best_health(paths) == ("/health", "c")
    assert best_health([("/users", "x")]) is None


def test_list_files_prunes_and_caps(tmp_path: Path) -> None:
    for rel in (
        "a.py",
        "src/b.py",
        "node_modules/c.py",
        ".git/d.py",
        "venv2/pyvenv.cfg",
        "venv2/e.py",
        "x.txt",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    assert list_files(tmp_path, (".py",)) == [Path("a.py"), Path("src/b.py")]
    assert len(list_files(tmp_path, limit=2)) == 2


def test_read_text_refuses_big_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "big").write_text("x" * 100)
    assert read_text(tmp_path / "big", limit=10) is None
    assert read_text(tmp_path / "big") == "x" * 100
    assert read_text(tmp_path / "missing") is None
    assert read_text(tmp_path) is None


def test_repo_root(tmp_path: Path) -> None:
    assert repo_root(tmp_path / "services" / "api", "services/api") == tmp_path
    assert repo_root(tmp_path, ".") == tmp_path
