"""Python suites: pytest (or unittest) under coverage.py in the service's cached virtualenv.

    coverage run --rcfile=<ours> -m pytest <the command's args> --junitxml=<tmp> -o junit_family=xunit1
    coverage json --rcfile=<ours> -o <tmp>/coverage.json

``xunit1`` puts each test's file and line in the XML, so failures name ``file:line``. A rerun of
the failed tests uses pytest's ``--lf`` (or unittest test ids). Any other command runs as it is,
without coverage.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from ..envs import PythonEnv
from ..tools import ToolResult, run_tool
from ._command import recognise
from ._unittest import parse_verbose
from .coverage import CoverageReport, Keep, from_coverage_py
from .junit import JUnitError, first_lines, parse
from .model import CaseResult, SuiteRun, TestReport

log = logging.getLogger(__name__)

EXTRAS = ("pytest", "coverage")
"""Installed into the service's venv next to its requirements."""
NO_TESTS = 5
"""pytest's exit code when it collected nothing."""


class PythonSuite:
    def __init__(
        self,
        service_dir: Path,
        env: PythonEnv,
        argv: Sequence[str],
        workdir: Path,
        base_env: dict[str, str],
        timeout_s: float,
        keep: Keep | None = None,
    ) -> None:
        self.service_dir = service_dir
        self.venv = env
        self.recognised = recognise(argv)
        self.runner = self.recognised.runner if self.recognised.runner in ("pytest", "unittest") else "custom"
        self.argv = list(argv)
        self.workdir = workdir
        self.env = env.env(base_env)
        self.timeout_s = timeout_s
        self.keep = keep
        self.rcfile = workdir / "coveragerc"
        self.rcfile.write_text(f"[run]\nsource =\n    {service_dir}\n[report]\nignore_errors = True\n")
        self._runs = 0

    def _coverage(self, *args: str) -> list[str]:
        return [str(self.venv.python), "-m", "coverage", *args]

    async def _measure(self, data: Path) -> CoverageReport | None:
        out = data.with_suffix(".json")
        result = await run_tool(
            self._coverage("json", f"--rcfile={self.rcfile}", "-q", "-o", str(out)),
            cwd=self.service_dir, env={**self.env, "COVERAGE_FILE": str(data)}, timeout_s=120,
            inherit_env=False,
        )  # fmt: skip
        if not result.ok or not out.is_file():
            log.info("no coverage data: %s", result.tail(3))
            return None
        return from_coverage_py(out.read_text(), self.service_dir, self.keep)

    async def run(self) -> SuiteRun:
        self._runs += 1
        junit = self.workdir / f"junit-{self._runs}.xml"
        data = self.workdir / f"suite-{self._runs}.coverage"
        args = list(self.recognised.args)
        if self.runner == "pytest":
            cmd = self._coverage("run", f"--rcfile={self.rcfile}", "-m", "pytest", *args)
            cmd += [f"--junitxml={junit}", "-o", "junit_family=xunit1"]
        elif self.runner == "unittest":
            cmd = self._coverage("run", f"--rcfile={self.rcfile}", "-m", "unittest", *args)
            cmd += [] if {"-v", "--verbose"} & set(args) else ["-v"]
        else:
            cmd = self.venv.command(self.argv)
        tool = await run_tool(
            cmd, cwd=self.service_dir, env={**self.env, "COVERAGE_FILE": str(data)},
            timeout_s=self.timeout_s, inherit_env=False,
        )  # fmt: skip
        report, xml, notes = self._report(tool, junit)
        coverage = await self._measure(data) if self.runner != "custom" else None
        if self.runner == "custom":
            notes.append(f"{self.argv[0]} is not pytest or unittest: no per-test results or coverage")
        return SuiteRun(self.runner, tuple(cmd), tool, report, coverage, xml, notes)

    def _report(self, tool: ToolResult, junit: Path) -> tuple[TestReport, str | None, list[str]]:
        notes: list[str] = []
        report, xml = TestReport(), None
        if self.runner == "pytest" and junit.is_file():
            xml = junit.read_text(errors="replace")
            try:
                report = parse(xml, self.service_dir)
            except JUnitError as exc:
                notes.append(f"pytest's JUnit XML could not be read: {exc}")
        elif self.runner == "unittest":
            report = parse_verbose(tool.stderr + "\n" + tool.stdout, self.service_dir)
        return (
            crashed(tool, report, self.runner, ok_codes=(NO_TESTS,) if self.runner == "pytest" else ()),
            xml,
            notes,
        )

    async def rerun(self, failed: Sequence[CaseResult]) -> TestReport | None:
        if self.runner == "pytest":
            junit = self.workdir / "junit-rerun.xml"
            cmd = self.venv.command(["python", "-m", "pytest", *self.recognised.args, "--lf"])
            cmd += ["--last-failed-no-failures=none", f"--junitxml={junit}", "-o", "junit_family=xunit1"]
        elif self.runner == "unittest":
            junit = None
            ids = [c.id for c in failed]
            cmd = self.venv.command(["python", "-m", "unittest", "-v", *ids])
        else:
            return None
        tool = await run_tool(
            cmd, cwd=self.service_dir, env=self.env, timeout_s=self.timeout_s, inherit_env=False
        )
        if junit is not None:
            if not junit.is_file():
                return None
            return crashed(tool, parse(junit.read_text(errors="replace"), self.service_dir), self.runner)
        return crashed(tool, parse_verbose(tool.stderr + "\n" + tool.stdout, self.service_dir), self.runner)

    async def run_file(
        self, test_file: Path, name: str, timeout_s: float
    ) -> tuple[TestReport, CoverageReport | None, ToolResult]:
        """One test file alone under coverage (a generated candidate)."""
        junit = self.workdir / f"{name}.xml"
        data = self.workdir / f"{name}.coverage"
        cmd = self._coverage("run", f"--rcfile={self.rcfile}", "-m", "pytest", "-q", "-p", "no:cacheprovider")
        cmd += [f"--junitxml={junit}", "-o", "junit_family=xunit1", str(test_file)]
        tool = await run_tool(
            cmd, cwd=self.service_dir, env={**self.env, "COVERAGE_FILE": str(data)}, timeout_s=timeout_s,
            inherit_env=False,
        )  # fmt: skip
        report = TestReport()
        if junit.is_file():
            try:
                report = parse(junit.read_text(errors="replace"), self.service_dir)
            except JUnitError:
                pass
        return crashed(tool, report, "pytest"), await self._measure(data), tool


def crashed(tool: ToolResult, report: TestReport, runner: str, ok_codes: Sequence[int] = ()) -> TestReport:
    """The report, plus an error case when the runner failed without a failing test to show for it."""
    if tool.ok or tool.timed_out or not report.ok or tool.returncode in ok_codes:
        return report
    case = CaseResult(
        f"{runner} (exit {tool.returncode})", "error", tool.duration_s, first_lines(tool.tail(15), 15, 2000)
    )
    return TestReport((*report.cases, case), report.duration_s or tool.duration_s)
