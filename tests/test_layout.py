"""The layout shows the architecture: dependencies point one way, peers -> capabilities -> blackboard."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "blackboard": {"capabilities", "peers"},
    "capabilities": {"peers"},
}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_dependencies_point_one_way(package: str) -> None:
    for path in sorted((ROOT / package).rglob("*.py")):
        wrong = imports(path) & FORBIDDEN[package]
        assert not wrong, f"{path.relative_to(ROOT)} imports {', '.join(sorted(wrong))}"


def test_capabilities_never_talk_to_redis() -> None:
    for path in sorted((ROOT / "capabilities").rglob("*.py")):
        assert not imports(path) & {"redis", "fakeredis"}, f"{path.relative_to(ROOT)} talks to Redis"


def test_every_lua_script_lists_its_keys_and_argv() -> None:
    for path in sorted((ROOT / "blackboard" / "scripts").glob("*.lua")):
        head = path.read_text().split("\n\n", 1)[0]
        if path.name != "_lib.lua":
            assert "KEYS[1]" in head and "ARGV[" in head, f"{path.name} must open with its KEYS and ARGV"
