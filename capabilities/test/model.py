"""What a test run produced, in one shape for every runner (pytest, unittest, node, jest, mocha)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ..tools import ToolResult
from .coverage import CoverageReport

Outcome = Literal["passed", "failed", "error", "skipped"]


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One test case's outcome; ``message`` holds the first lines of a failure."""

    id: str
    """``tests/test_app.py::test_health``, ``test/server.test.js::health answers ok``."""
    outcome: Outcome
    duration_s: float = 0.0
    message: str = ""
    location: str | None = None
    """``file:line`` where it failed, when the runner said."""
    name: str = ""
    """The bare test name, which name filters (``-t``, ``--grep``) match."""

    @property
    def failing(self) -> bool:
        return self.outcome in ("failed", "error")

    def encode(self) -> dict[str, Any]:
        return {"id": self.id, "outcome": self.outcome, "message": self.message, "location": self.location}


@dataclass(frozen=True, slots=True)
class TestReport:
    """Counts and cases of one run of a suite."""

    __test__ = False  # not a pytest test class

    cases: tuple[CaseResult, ...] = ()
    duration_s: float = 0.0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for c in self.cases if c.outcome == outcome)

    @property
    def total(self) -> int:
        return len(self.cases)

    @property
    def failures(self) -> list[CaseResult]:
        return [c for c in self.cases if c.failing]

    @property
    def ok(self) -> bool:
        return not self.failures

    def counts(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "passed": self.count("passed"),
            "failed": self.count("failed"),
            "errors": self.count("error"),
            "skipped": self.count("skipped"),
            "duration_s": round(self.duration_s, 3),
        }


@dataclass(frozen=True)
class SuiteRun:
    """One run of a service's suite: its report, coverage and the raw files to keep."""

    runner: str
    """pytest | unittest | node | jest | mocha | custom"""
    command: tuple[str, ...]
    tool: ToolResult
    report: TestReport
    coverage: CoverageReport | None = None
    junit_xml: str | None = None
    notes: list[str] = field(default_factory=list)
    """What could not be measured, and why (no coverage tool for this runner, old node)."""


class Suite(Protocol):
    """A service's test suite with the runner that runs it."""

    runner: str
    argv: list[str]
    """The command as the user gave it (the runner adds its coverage and report options)."""

    async def run(self) -> SuiteRun: ...

    async def rerun(self, failed: Sequence[CaseResult]) -> TestReport | None:
        """Run only ``failed`` again; None when this runner cannot select them."""
        ...
