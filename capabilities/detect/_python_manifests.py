"""What a Python service declares: dependencies, package manager, Python version, pytest config.

Read from ``requirements*.txt`` (``requirements/*.txt``), ``pyproject.toml`` (PEP 621, dependency
groups, Poetry), ``Pipfile``, ``setup.py`` (its ``install_requires``, through :mod:`ast`) and
``setup.cfg``, plus lock files, ``.python-version``/``runtime.txt`` and pytest's config files.
Manifests are user input: a table of the wrong type or invalid TOML counts as empty.
"""

from __future__ import annotations

import ast
import configparser
import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._files import major_minor, read_text

log = logging.getLogger(__name__)

_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")
_DEV_FILE = re.compile(r"dev|test|lint|doc|ci\b", re.I)


def normalise(name: str) -> str:
    """PEP 503: ``Flask_SQLAlchemy`` -> ``flask-sqlalchemy``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(lines: list[str]) -> list[str]:
    """Project names from requirement specifiers (``flask>=3; python_version>"3.8"``, ``x @ url``)."""
    names = []
    for raw in lines:
        line = re.split(r"(?:^|\s)#", raw, maxsplit=1)[0].strip()
        if not line or line.startswith("-") or ("://" in line and " @ " not in line):
            continue
        if m := _REQUIREMENT.match(line):
            names.append(m.group(1))
    return names


@dataclass
class _Manifests:
    found: list[str] = field(default_factory=list)
    runtime: dict[str, str] = field(default_factory=dict)
    """Dependency name -> the manifest declaring it."""
    dev: dict[str, str] = field(default_factory=dict)
    package_manager: tuple[str, str] = ("pip", "")
    versions: list[tuple[str, str]] = field(default_factory=list)
    """(declared Python version, where), most specific first."""
    pytest_config: str | None = None

    def add(self, names: list[str], source: str, dev: bool = False) -> None:
        target = self.dev if dev else self.runtime
        for n in names:
            if normalise(n) != "python":
                target.setdefault(normalise(n), source)

    def source(self, dep: str) -> str | None:
        return self.runtime.get(dep) or self.dev.get(dep)


def _read_manifests(d: Path) -> _Manifests:
    m = _Manifests()
    req_files = sorted({*d.glob("*requirements*.txt"), *d.glob("requirements/*.txt")})
    for path in req_files:
        if (text := read_text(path)) is not None:
            rel = path.relative_to(d).as_posix()
            m.found.append(rel)
            m.add(requirement_names(text.splitlines()), rel, dev=bool(_DEV_FILE.search(path.stem)))
    _read_pyproject(d, m)
    _read_pipfile(d, m)
    _read_setup(d, m)
    for lock, manager in (("poetry.lock", "poetry"), ("Pipfile.lock", "pipenv")):
        if (d / lock).is_file():
            m.package_manager = (manager, lock)
            break
    for name in (".python-version", "runtime.txt"):
        if version := major_minor((read_text(d / name) or "").split("\n", 1)[0]):
            m.versions.insert(0, (version, name))
    for name, marker in (("pytest.ini", ""), ("tox.ini", "[pytest]"), ("setup.cfg", "[tool:pytest]")):
        text = read_text(d / name)
        if text is not None and marker in text and m.pytest_config is None:
            m.pytest_config = name
    return m


def _toml(path: Path) -> dict[str, Any] | None:
    text = read_text(path)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        log.debug("detect: %s is not valid TOML: %s", path, exc)
        return {}


def _table(data: Any, *keys: str) -> dict[str, Any]:
    """``data[k1][k2]...`` when every level is a table, else ``{}`` (manifests are user input)."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _read_pyproject(d: Path, m: _Manifests) -> None:
    data = _toml(d / "pyproject.toml")
    if data is None:
        return
    m.found.append("pyproject.toml")
    project = _table(data, "project")
    m.add(requirement_names(_strings(project.get("dependencies"))), "pyproject.toml")
    for extra in _table(project, "optional-dependencies").values():
        m.add(requirement_names(_strings(extra)), "pyproject.toml", dev=True)
    for group in _table(data, "dependency-groups").values():
        m.add(requirement_names(_strings(group)), "pyproject.toml", dev=True)
    if "poetry" in _table(data, "tool"):
        m.package_manager = ("poetry", "[tool.poetry] in pyproject.toml")
        deps = _table(data, "tool", "poetry", "dependencies")
        m.add(list(deps), "pyproject.toml")
        m.add(list(_table(data, "tool", "poetry", "dev-dependencies")), "pyproject.toml", dev=True)
        for group in _table(data, "tool", "poetry", "group").values():
            m.add(list(_table(group, "dependencies")), "pyproject.toml", dev=True)
        if isinstance(deps.get("python"), str) and (version := major_minor(deps["python"])):
            m.versions.append((version, "[tool.poetry.dependencies] python in pyproject.toml"))
    requires_python = project.get("requires-python")
    if isinstance(requires_python, str) and (version := major_minor(requires_python)):
        m.versions.append((version, "requires-python in pyproject.toml"))
    if "pytest" in _table(data, "tool"):
        m.pytest_config = "[tool.pytest] in pyproject.toml"


def _read_pipfile(d: Path, m: _Manifests) -> None:
    data = _toml(d / "Pipfile")
    if data is None:
        return
    m.found.append("Pipfile")
    if m.package_manager[0] == "pip":
        m.package_manager = ("pipenv", "Pipfile")
    m.add(list(_table(data, "packages")), "Pipfile")
    m.add(list(_table(data, "dev-packages")), "Pipfile", dev=True)
    requires = _table(data, "requires")
    declared = requires.get("python_version") or requires.get("python_full_version")
    if isinstance(declared, str) and (version := major_minor(declared)):
        m.versions.insert(0, (version, "python_version in Pipfile"))


def _read_setup(d: Path, m: _Manifests) -> None:
    if (text := read_text(d / "setup.py")) is not None:
        m.found.append("setup.py")
        try:
            tree = ast.parse(text)
        except SyntaxError:
            return
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "install_requires":
                values = node.value.elts if isinstance(node.value, ast.List | ast.Tuple) else []
                strings = [
                    v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)
                ]
                m.add(requirement_names(strings), "setup.py")
    if (text := read_text(d / "setup.cfg")) is not None and "[options]" in text:
        m.found.append("setup.cfg")
        cfg = configparser.ConfigParser(interpolation=None)
        try:
            cfg.read_string(text)
            m.add(
                requirement_names(cfg.get("options", "install_requires", fallback="").splitlines()),
                "setup.cfg",
            )
        except configparser.Error:
            pass
