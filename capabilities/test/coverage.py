"""Line coverage from the tools that measure it, in one shape: coverage.py's JSON report,
istanbul's ``json-summary`` (jest, c8) and lcov (``node --test --experimental-test-coverage``).

Paths are made relative to the service; test files are never counted as code under test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

_TEST_NAME = re.compile(r"(^test_.*\.py$)|(_test\.py$)|(^conftest\.py$)|(\.(test|spec)\.[cm]?[jt]sx?$)")
TEST_DIRS = frozenset({"tests", "test", "__tests__", "spec"})


def is_test_file(rel: str) -> bool:
    """Test code, by the conventions of pytest, unittest, jest, mocha and node --test."""
    path = PurePosixPath(rel)
    return bool(_TEST_NAME.search(path.name)) or any(p in TEST_DIRS for p in path.parts[:-1])


@dataclass(frozen=True, slots=True)
class FileCoverage:
    path: str
    statements: int
    covered: int
    missing: tuple[int, ...] = ()
    executed: tuple[int, ...] = ()

    @property
    def percent(self) -> float:
        return 100.0 if not self.statements else 100.0 * self.covered / self.statements


@dataclass(frozen=True)
class CoverageReport:
    tool: str
    files: dict[str, FileCoverage] = field(default_factory=dict)

    @property
    def statements(self) -> int:
        return sum(f.statements for f in self.files.values())

    @property
    def covered(self) -> int:
        return sum(f.covered for f in self.files.values())

    @property
    def percent(self) -> float:
        return 100.0 if not self.statements else round(100.0 * self.covered / self.statements, 2)

    def executed(self) -> set[tuple[str, int]]:
        return {(f.path, line) for f in self.files.values() for line in f.executed}

    def encode(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "percent": self.percent,
            "statements": self.statements,
            "covered": self.covered,
            "files": {
                p: {
                    "statements": f.statements,
                    "covered": f.covered,
                    "percent": round(f.percent, 2),
                    "missing_lines": list(f.missing),
                }
                for p, f in sorted(self.files.items())
            },
        }


Keep = Callable[[str], bool]


def _relative(path: str, root: Path) -> str | None:
    p = Path(path)
    if not p.is_absolute():
        return p.as_posix()
    try:
        return p.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def _kept(rel: str | None, keep: Keep | None) -> bool:
    return rel is not None and not is_test_file(rel) and (keep is None or keep(rel))


def from_coverage_py(text: str, root: Path, keep: Keep | None = None) -> CoverageReport:
    """``coverage json`` output."""
    data = json.loads(text)
    files: dict[str, FileCoverage] = {}
    for path, entry in data.get("files", {}).items():
        rel = _relative(path, root)
        if rel is None or not _kept(rel, keep):
            continue
        summary = entry.get("summary", {})
        files[rel] = FileCoverage(
            rel,
            int(summary.get("num_statements", 0)),
            int(summary.get("covered_lines", 0)),
            tuple(entry.get("missing_lines", [])),
            tuple(entry.get("executed_lines", [])),
        )
    return CoverageReport("coverage.py", files)


def from_istanbul_summary(text: str, root: Path, tool: str, keep: Keep | None = None) -> CoverageReport:
    """istanbul's ``coverage-summary.json`` (jest ``--coverageReporters=json-summary``, c8)."""
    data = json.loads(text)
    files: dict[str, FileCoverage] = {}
    for path, entry in data.items():
        rel = None if path == "total" else _relative(path, root)
        if rel is None or not _kept(rel, keep):
            continue
        lines = entry.get("lines", {})
        files[rel] = FileCoverage(rel, int(lines.get("total", 0)), int(lines.get("covered", 0)))
    return CoverageReport(tool, files)


def from_lcov(text: str, root: Path, tool: str = "node", keep: Keep | None = None) -> CoverageReport:
    """lcov tracefiles (``--test-reporter=lcov``): ``SF:`` a file, ``DA:line,hits`` per line."""
    files: dict[str, FileCoverage] = {}
    for record in text.split("end_of_record"):
        rel: str | None = None
        hits: dict[int, int] = {}
        for line in record.splitlines():
            if line.startswith("SF:"):
                rel = _relative(line[3:].strip(), root)
            elif line.startswith("DA:"):
                number, _, count = line[3:].partition(",")
                hits[int(number)] = hits.get(int(number), 0) + int(count.split(",")[0] or 0)
        if rel is None or not _kept(rel, keep):
            continue
        executed = tuple(sorted(n for n, c in hits.items() if c > 0))
        missing = tuple(sorted(n for n, c in hits.items() if c == 0))
        files[rel] = FileCoverage(rel, len(hits), len(executed), missing, executed)
    return CoverageReport(tool, files)


def union(reports: Iterable[CoverageReport], tool: str = "coverage.py") -> CoverageReport:
    """Lines executed by any of ``reports`` (coverage.py reports, which list executed lines)."""
    statements: dict[str, int] = {}
    executed: dict[str, set[int]] = {}
    missing: dict[str, set[int]] = {}
    for report in reports:
        for f in report.files.values():
            statements[f.path] = max(statements.get(f.path, 0), f.statements)
            executed.setdefault(f.path, set()).update(f.executed)
            missing.setdefault(f.path, set()).update(f.missing)
    files = {
        p: FileCoverage(
            p, n, len(executed[p]), tuple(sorted(missing[p] - executed[p])), tuple(sorted(executed[p]))
        )
        for p, n in statements.items()
    }
    return CoverageReport(tool, files)
