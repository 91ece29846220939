"""Missing modules: imports that nothing declares, so the service fails with ImportError.

The rule, per top-level absolute import (``import a.b`` and ``from a.b import c`` both name ``a``):

* stdlib (``sys.stdlib_module_names``) and local modules (a module or package in the service
  folder, its ``src/``, or the importing file's folder and the folders between it and the
  service root) are fine;
* a name a runtime requirement provides (``requirements_of``, mapped through the
  distribution -> import table) is fine;
* imports inside ``try: ... except ImportError`` (or ``ModuleNotFoundError``, ``Exception``, a
  bare ``except``), under ``if TYPE_CHECKING:``, or under a ``sys.version_info`` /
  ``sys.platform`` test are optional by construction and are not reported;
* test files (under ``tests/``/``test/``, ``test_*.py``, ``*_test.py``, ``conftest.py``) may also
  import what the dev/test/optional declarations provide, and what the test stage installs
  itself (pytest, coverage);
* a name only a dev/optional declaration provides, imported by non-test code: warning;
* a name a declared package brings in transitively (``werkzeug`` with ``flask``): warning;
* anything else: error, with file:line.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

from ..findings import Finding, Level
from ._declared import PY_MANIFESTS, declared
from ._imports import IMPORT_TO_DIST, TEST_RUNNER, transitive_of
from ._model import Target

_GUARD_EXCEPTIONS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def is_test_file(rel: Path) -> bool:
    name = rel.name
    return (
        any(part in ("tests", "test", "testing") for part in rel.parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name | ast.Attribute) and _last_name(t) in _GUARD_EXCEPTIONS for t in types)


def _last_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_optional_test(test: ast.expr) -> bool:
    """``TYPE_CHECKING``, ``typing.TYPE_CHECKING``, ``sys.version_info ...``, ``sys.platform ...``."""
    for node in ast.walk(test):
        if isinstance(node, ast.Name | ast.Attribute) and _last_name(node) in (
            "TYPE_CHECKING",
            "version_info",
            "platform",
        ):
            return True
    return False


def imports_of(tree: ast.AST) -> Iterator[tuple[str, int, int, bool]]:
    """(top-level name, line, column, guarded) for each absolute import."""

    def visit(node: ast.AST, guarded: bool) -> Iterator[tuple[str, int, int, bool]]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno, node.col_offset + 1, guarded
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                yield node.module.split(".")[0], node.lineno, node.col_offset + 1, guarded
        elif isinstance(node, ast.Try | ast.TryStar):
            inner = guarded or any(_catches_import_error(h) for h in node.handlers)
            for stmt in node.body:
                yield from visit(stmt, inner)
            for part in (*node.handlers, *node.orelse, *node.finalbody):
                yield from visit(part, guarded)
        elif isinstance(node, ast.If) and _is_optional_test(node.test):
            for stmt in (*node.body, *node.orelse):
                yield from visit(stmt, True)
        else:
            for child in ast.iter_child_nodes(node):
                yield from visit(child, guarded)

    yield from visit(tree, False)


class _Locals:
    """Module names importable from the service's own folders, cached per folder."""

    def __init__(self, service_dir: Path) -> None:
        self.service_dir = service_dir
        self._cache: dict[Path, set[str]] = {}
        self.roots = self.names_in(service_dir) | self.names_in(service_dir / "src")

    def names_in(self, folder: Path) -> set[str]:
        if folder not in self._cache:
            names: set[str] = set()
            try:
                for entry in folder.iterdir():
                    if entry.suffix in (".py", ".pyi") or (entry.suffix in (".so", ".pyd")):
                        names.add(entry.name.split(".")[0])
                    elif entry.is_dir() and ((entry / "__init__.py").is_file() or any(entry.glob("*.py"))):
                        names.add(entry.name)
            except OSError:
                pass
            self._cache[folder] = names
        return self._cache[folder]

    def for_file(self, rel: Path) -> set[str]:
        names = set(self.roots)
        folder = (self.service_dir / rel).parent
        while folder != self.service_dir and self.service_dir in folder.parents:
            names |= self.names_in(folder)
            folder = folder.parent
        return names


def project_of(service_dir: Path, rel: Path) -> Path:
    """The folder whose manifest governs ``rel``: the nearest one with a Python manifest (a
    nested project declares its own dependencies), else the service folder."""
    folder = (service_dir / rel).parent
    while folder != service_dir and service_dir in folder.parents:
        if any((folder / m).is_file() for m in PY_MANIFESTS):
            return folder
        folder = folder.parent
    return service_dir


def missing_modules(target: Target, trees: dict[Path, ast.Module]) -> list[Finding]:
    """Blocking (reads manifests): run it in a worker thread."""
    by_project: dict[Path, dict[Path, ast.Module]] = {}
    for rel, tree in trees.items():
        by_project.setdefault(project_of(target.service_dir, rel), {})[rel] = tree
    findings: list[Finding] = []
    for project, project_trees in sorted(by_project.items()):
        findings += _check_project(target, project, project_trees)
    return findings


def _check_project(target: Target, project: Path, trees: dict[Path, ast.Module]) -> list[Finding]:
    decl = declared(project)
    locals_ = _Locals(project)
    runtime = decl.runtime_imports()
    dev = decl.dev_imports()
    transitive = transitive_of(decl.runtime)
    inside = project.relative_to(target.service_dir).as_posix()
    sources = [s if inside == "." else f"{inside}/{s}" for s in decl.sources]
    where = ", ".join(sources) or "no requirements.txt, pyproject.toml or Pipfile"
    findings: list[Finding] = []
    for rel, tree in sorted(trees.items()):
        test_file = is_test_file(rel)
        local = locals_.for_file((target.service_dir / rel).relative_to(project))
        seen: set[str] = set()
        for name, line, col, guarded in imports_of(tree):
            if (
                guarded
                or name in seen
                or name in sys.stdlib_module_names
                or name == "__main__"
                or name in local
                or name in runtime
                or (test_file and (name in dev or name in TEST_RUNNER))
            ):
                continue
            seen.add(name)
            dist = IMPORT_TO_DIST.get(name, name.replace("_", "-"))
            level: Level = "error"
            if name in transitive:
                rule, level = "transitive-module", "warning"
                msg = f"`{name}` is not declared; it only comes in through `{transitive[name]}` ({where})"
            elif name in dev:
                rule, level = "optional-module", "warning"
                msg = f"`{name}` is declared only as a dev/optional dependency but imported by service code"
            else:
                rule = "missing-module"
                msg = f"`{name}` is imported but not declared ({where}): add `{dist}` to the requirements"
                if decl.unnamed:
                    level = "warning"
                    msg += " (unless one of the URL requirements provides it)"
            findings.append(Finding("imports", rule, msg, target.rel(rel), line, col, level))
    return findings
