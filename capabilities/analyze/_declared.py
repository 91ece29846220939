"""What a Python service declares it needs: runtime requirements (what the test and build
stages install), and the dev/test/optional ones (what test files may import)."""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..envs import requirements_of
from ._imports import import_names, requirement_name

PY_MANIFESTS = ("requirements.txt", "pyproject.toml", "Pipfile", "setup.py")

DEV_REQUIREMENTS = (
    "requirements-dev*.txt",
    "requirements_dev*.txt",
    "requirements-test*.txt",
    "requirements_test*.txt",
    "dev-requirements*.txt",
    "test-requirements*.txt",
    "requirements/dev*.txt",
    "requirements/test*.txt",
)


@dataclass
class Declared:
    runtime: set[str] = field(default_factory=set)
    """Normalised distribution names the service installs."""
    dev: set[str] = field(default_factory=set)
    """Dev, test and optional (extras) distributions."""
    unnamed: list[str] = field(default_factory=list)
    """Requirement lines naming no distribution (a bare URL): imports may come from them."""
    sources: list[str] = field(default_factory=list)
    """The files the declarations came from, for messages."""

    def runtime_imports(self) -> set[str]:
        return _imports_of(self.runtime)

    def dev_imports(self) -> set[str]:
        return _imports_of(self.dev)


def _imports_of(dists: set[str]) -> set[str]:
    names: set[str] = set()
    for dist in dists:
        names |= import_names(dist)
    return names


def declared(service_dir: Path) -> Declared:
    result = Declared()
    for line in requirements_of(service_dir):
        name = requirement_name(line)
        if name is None:
            result.unnamed.append(line)
        else:
            result.runtime.add(name)
    for manifest in ("requirements.txt", "pyproject.toml", "Pipfile"):
        if (service_dir / manifest).is_file():
            result.sources.append(manifest)
            break
    if not result.sources and (service_dir / "setup.py").is_file():
        result.runtime |= set(_setup_py_requires(service_dir / "setup.py"))
        result.sources.append("setup.py")
    for pattern in DEV_REQUIREMENTS:
        for path in sorted(service_dir.glob(pattern)):
            result.dev |= _names(path.read_text(errors="replace").splitlines())
    result.dev |= _pyproject_extra(service_dir / "pyproject.toml")
    result.dev |= _pipfile_dev(service_dir / "Pipfile")
    return result


def _names(lines: list[str]) -> set[str]:
    names = set()
    for raw in lines:
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")) and (name := requirement_name(line)):
            names.add(name)
    return names


def _toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(errors="replace"))
    except tomllib.TOMLDecodeError:
        return {}


def _pyproject_extra(path: Path) -> set[str]:
    data = _toml(path)
    lines: list[str] = []
    for group in data.get("project", {}).get("optional-dependencies", {}).values():
        lines += [x for x in group if isinstance(x, str)]
    for group in data.get("dependency-groups", {}).values():
        lines += [x for x in group if isinstance(x, str)]
    poetry = data.get("tool", {}).get("poetry", {})
    names = set(poetry.get("dev-dependencies", {}))
    for group in poetry.get("group", {}).values():
        names |= set(group.get("dependencies", {}))
    if isinstance(poetry.get("dependencies"), dict):  # poetry's optional ones count as extras
        names |= {n for n in poetry["dependencies"] if n.lower() != "python"}
    return _names(lines) | names


def _pipfile_dev(path: Path) -> set[str]:
    return set(_toml(path).get("dev-packages", {}))


def _setup_py_requires(path: Path) -> list[str]:
    """``install_requires=[...]`` when setup.py spells it as a literal list."""
    try:
        tree = ast.parse(path.read_text(errors="replace"))
    except SyntaxError:
        return []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "install_requires":
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return []
            return [n for line in value if isinstance(line, str) and (n := requirement_name(line))]
    return []
