"""unittest's verbose output (``-v``) read into a :class:`TestReport`: unittest writes no JUnit XML."""

from __future__ import annotations

import re
from pathlib import Path

from .junit import first_lines, location
from .model import CaseResult, Outcome, TestReport

# "test_add (pkg.test_mod.TestX.test_add) ... ok", the docstring's first line may sit between
_LINE = re.compile(
    r"^(\w+) \(([\w.]+)\)(?:\n[^\n]*?)? \.\.\. "
    r"(ok|FAIL|ERROR|skipped.*|expected failure|unexpected success)$",
    re.M,
)
_BLOCK = re.compile(
    r"^(FAIL|ERROR): (\w+) \(([\w.]+)\)[^\n]*\n-{20,}\n(.*?)(?=^={20,}|^-{20,}\nRan |\Z)", re.M | re.S
)
_RAN = re.compile(r"^Ran \d+ tests? in ([\d.]+)s", re.M)


def _id(name: str, dotted: str) -> str:
    return dotted if dotted.endswith("." + name) else f"{dotted}.{name}"


def parse_verbose(output: str, root: Path | None = None) -> TestReport:
    details = {_id(m.group(2), m.group(3)): m.group(4) for m in _BLOCK.finditer(output)}
    cases = []
    for m in _LINE.finditer(output):
        name, dotted, status = m.groups()
        test_id = _id(name, dotted)
        outcome: Outcome = (
            "passed" if status in ("ok", "expected failure")
            else "failed" if status in ("FAIL", "unexpected success")
            else "error" if status == "ERROR"
            else "skipped"
        )  # fmt: skip
        text = details.get(test_id, "")
        message = first_lines(text.strip().splitlines()[-1]) if text.strip() else ""
        cases.append(CaseResult(test_id, outcome, 0.0, message, location(text, root), name))
    ran = _RAN.search(output)
    return TestReport(tuple(cases), float(ran.group(1)) if ran else 0.0)
