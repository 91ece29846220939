"""jest's ``--json`` results read into a :class:`TestReport` (jest writes no JUnit XML itself)."""

from __future__ import annotations

import json
from pathlib import Path

from .junit import first_lines, location
from .model import CaseResult, Outcome, TestReport

_OUTCOMES: dict[str, Outcome] = {
    "passed": "passed",
    "failed": "failed",
    "pending": "skipped",
    "skipped": "skipped",
}


def _rel(path: str, root: Path) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return path


def parse_jest(text: str, root: Path) -> TestReport:
    data = json.loads(text)
    cases: list[CaseResult] = []
    for suite in data.get("testResults", []):
        file = _rel(suite.get("name", ""), root)
        results = suite.get("assertionResults", [])
        for a in results:
            failure = "\n".join(a.get("failureMessages") or [])
            cases.append(
                CaseResult(
                    f"{file}::{a.get('fullName') or a.get('title')}",
                    _OUTCOMES.get(a.get("status", ""), "skipped"),
                    float(a.get("duration") or 0) / 1000,
                    first_lines(failure),
                    location(failure, root),
                    a.get("fullName") or a.get("title", ""),
                )
            )
        if not results and suite.get("status") == "failed":  # the file did not even load
            message = suite.get("message", "")
            cases.append(CaseResult(file, "error", 0.0, first_lines(message), location(message, root), file))
    start = data.get("startTime") or 0
    ends = [s.get("endTime") or 0 for s in data.get("testResults", [])]
    duration = (max(ends) - start) / 1000 if start and ends and max(ends) > start else 0.0
    return TestReport(tuple(cases), duration)
