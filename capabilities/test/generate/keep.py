"""Keep a candidate only when it passes and raises coverage.

Every candidate is written to a file of its own in a folder of the working copy that did not
exist before (user files are never touched) and run alone under coverage, two at a time. Then,
in the backend's order, a passing candidate is kept when it runs a line that the baseline and
the candidates kept so far do not; the rest are deleted, each with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from ...llm.schemas import CandidateTest
from ...tools import ToolResult
from ..coverage import CoverageReport, union
from ..model import TestReport
from ..python import PythonSuite

log = logging.getLogger(__name__)

FOLDER = "orchestra_generated_tests"
PARALLEL = 2
CANDIDATE_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Kept:
    case: CandidateTest
    file: str
    """Relative to the service folder."""
    source: str
    new_lines: int


@dataclass(frozen=True)
class Dropped:
    case: CandidateTest
    reason: str


@dataclass
class Selection:
    before: CoverageReport
    after: CoverageReport
    folder: str
    kept: list[Kept] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)


def new_folder(service_dir: Path) -> Path:
    """A folder for generated tests that is not already in the repository."""
    folder, n = service_dir / FOLDER, 2
    while folder.exists():
        folder, n = service_dir / f"{FOLDER}_{n}", n + 1
    folder.mkdir()
    return folder


def _verdict(report: TestReport, tool: ToolResult, timeout_s: float) -> str | None:
    if tool.timed_out:
        return f"ran past {timeout_s:g}s"
    if report.failures:
        first = report.failures[0]
        return f"failed: {(first.message or first.id).splitlines()[0][:200]}"
    if report.count("passed") == 0:
        return f"ran no test (exit {tool.returncode}): {tool.tail(1)[:200]}"
    return None


async def select(
    suite: PythonSuite,
    cases: Sequence[CandidateTest],
    baseline: CoverageReport,
    folder: Path,
    header: str,
    timeout_s: float = CANDIDATE_TIMEOUT_S,
) -> Selection:
    selection = Selection(baseline, baseline, folder.name)
    files: dict[int, Path] = {}
    for i, case in enumerate(cases):
        path = folder / f"{case.name}.py"
        if path.exists():
            selection.dropped.append(Dropped(case, f"{path.name} exists already"))
            continue
        try:
            path.write_text(case.render(f"{header}\nTarget: {case.target}"))
        except SyntaxError as exc:
            selection.dropped.append(Dropped(case, f"does not parse: {exc.msg}"))
            continue
        files[i] = path

    results: dict[int, tuple[TestReport, CoverageReport | None, ToolResult]] = {}
    limiter = anyio.CapacityLimiter(PARALLEL)

    async def run_one(i: int, path: Path) -> None:
        async with limiter:
            results[i] = await suite.run_file(path, f"candidate-{i}", timeout_s)

    async with anyio.create_task_group() as tg:
        for i, path in files.items():
            tg.start_soon(run_one, i, path)

    covered = baseline.executed()
    for i, path in files.items():
        case = cases[i]
        report, coverage, tool = results[i]
        why = _verdict(report, tool, timeout_s)
        new = (coverage.executed() - covered) if coverage is not None and why is None else set()
        if why is None and coverage is None:
            why = "no coverage data"
        elif why is None and not new:
            why = "raised no coverage"
        if why is not None:
            selection.dropped.append(Dropped(case, why))
            path.unlink(missing_ok=True)
            continue
        assert coverage is not None
        covered |= new
        selection.after = union([selection.after, coverage])
        rel = path.relative_to(suite.service_dir).as_posix()
        selection.kept.append(Kept(case, rel, path.read_text(), len(new)))
    log.info("kept %d of %d candidate test(s)", len(selection.kept), len(cases))
    return selection
