"""Node suites: ``node --test``, jest and mocha, with coverage and JUnit where the tool allows.

``npm test`` is read from package.json: when its script is one of these runners, the runner is
started directly (``node_modules/.bin`` on PATH) so its coverage and report options can be
added; any other script runs through npm as it is, judged by its exit code.

    node --test     --experimental-test-coverage, --test-reporter=junit and lcov (node >= 20.13)
    jest            --coverage --coverageReporters=json-summary --json --outputFile=...
    mocha           --reporter xunit, under c8 (json-summary) when the project has c8
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path

from ..errors import TaskFailed
from ..tools import run_tool, which
from ._command import Recognised, recognise, split
from ._jest import parse_jest
from .coverage import CoverageReport, from_istanbul_summary, from_lcov
from .junit import JUnitError, parse, to_xml
from .model import CaseResult, SuiteRun, TestReport
from .python import crashed

log = logging.getLogger(__name__)

NODE_REPORTERS = (20, 13)
"""The first node 20 with both the junit and the lcov test reporters."""
_WRAPPERS = ("c8", "nyc")
_JS_SPECIAL = re.compile(r"[\\^$.*+?()[\]{}|/-]")


def js_pattern(names: Sequence[str]) -> str:
    """A JavaScript regex matching exactly these test names."""
    return "|".join("^" + _JS_SPECIAL.sub(r"\\\g<0>", n) + "$" for n in names)


async def node_version() -> tuple[int, int] | None:
    result = await run_tool(["node", "--version"], timeout_s=30)
    m = re.match(r"v(\d+)\.(\d+)", result.stdout.strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


def _unwrap(argv: list[str]) -> list[str]:
    """``c8 --reporter=text mocha`` -> ``mocha``: the coverage wrapper is ours to choose."""
    if argv and argv[0] in _WRAPPERS:
        rest = argv[1:]
        while rest and rest[0].startswith("-"):
            rest = rest[1:]
        return rest or argv
    return argv


class NodeSuite:
    def __init__(
        self,
        service_dir: Path,
        argv: Sequence[str],
        workdir: Path,
        base_env: dict[str, str],
        timeout_s: float,
    ) -> None:
        self.service_dir = service_dir
        self.workdir = workdir
        self.timeout_s = timeout_s
        bin_dir = service_dir / "node_modules" / ".bin"
        self.env = {**base_env, "PATH": f"{bin_dir}:{base_env.get('PATH', '/usr/bin:/bin')}", "CI": "true"}
        self.argv = list(argv)
        self.recognised = self._resolve(recognise(argv))
        self.runner = self.recognised.runner if self.recognised.runner != "npm" else "custom"
        self.version: tuple[int, int] | None = None
        self._runs = 0

    def _resolve(self, rec: Recognised) -> Recognised:
        if rec.runner != "npm":
            return rec
        try:
            script = (
                json.loads((self.service_dir / "package.json").read_text()).get("scripts", {}).get("test")
            )
        except (OSError, ValueError):
            return rec
        if not script:
            raise TaskFailed(f"`{' '.join(self.argv)}`: package.json has no test script")
        try:
            argv = _unwrap(split(script, "the test script"))
        except TaskFailed:
            return rec  # shell syntax: npm runs it, judged by its exit code
        inner = recognise(argv)
        return inner if inner.runner in ("node", "jest", "mocha") else rec

    def _bin(self, tool: str) -> str:
        return which(tool, [self.service_dir / "node_modules" / ".bin"]) or tool

    async def run(self) -> SuiteRun:
        self._runs += 1
        tag = f"run-{self._runs}"
        notes: list[str] = []
        junit = self.workdir / f"{tag}.junit.xml"
        coverage: CoverageReport | None = None
        lcov: Path | None = None
        cov_dir = self.workdir / f"{tag}-coverage"
        runner, args = self.recognised.runner, list(self.recognised.args)
        if runner == "node":
            self.version = self.version or await node_version()
            if self.version and self.version >= NODE_REPORTERS:
                lcov = self.workdir / f"{tag}.lcov"
                flags = ["--experimental-test-coverage", "--test-reporter=junit"]
                flags += [f"--test-reporter-destination={junit}", "--test-reporter=lcov"]
                flags += [f"--test-reporter-destination={lcov}", "--test-reporter=spec"]
                cmd = ["node", *flags, "--test-reporter-destination=stdout", *args]
            else:
                cmd = ["node", *args]
                notes.append(f"node {self.version} has no junit/lcov test reporters (20.13+): exit code only")
        elif runner == "jest":
            cmd = [self._bin("jest"), *args, "--ci", "--coverage", "--coverageReporters=json-summary"]
            cmd += [
                f"--coverageDirectory={cov_dir}",
                "--json",
                f"--outputFile={self.workdir / tag}.jest.json",
            ]
        elif runner == "mocha":
            cmd = [self._bin("mocha"), *args, "--reporter", "xunit", "--reporter-option", f"output={junit}"]
            c8 = which("c8", [self.service_dir / "node_modules" / ".bin"])
            if c8 and (self.service_dir / "node_modules" / ".bin" / "c8").exists():
                cmd = [c8, "--reporter=json-summary", f"--report-dir={cov_dir}", *cmd]
            else:
                notes.append("mocha without c8 in the project: no coverage")
        else:
            cmd = list(args)
            notes.append(
                f"`{' '.join(cmd)}` is not node --test, jest or mocha: no per-test results or coverage"
            )
        tool = await run_tool(
            cmd, cwd=self.service_dir, env=self.env, timeout_s=self.timeout_s, inherit_env=False
        )
        report, xml = TestReport(), None
        if runner == "jest" and (self.workdir / f"{tag}.jest.json").is_file():
            report = parse_jest((self.workdir / f"{tag}.jest.json").read_text(), self.service_dir)
            xml = to_xml(report, "jest")
        elif junit.is_file():
            xml = junit.read_text(errors="replace")
            try:
                report = parse(xml, self.service_dir)
            except JUnitError as exc:
                notes.append(f"{runner}'s JUnit XML could not be read: {exc}")
        if lcov is not None and lcov.is_file():
            coverage = from_lcov(lcov.read_text(), self.service_dir, "node --experimental-test-coverage")
        elif runner in ("jest", "mocha") and (cov_dir / "coverage-summary.json").is_file():
            text = (cov_dir / "coverage-summary.json").read_text()
            coverage = from_istanbul_summary(text, self.service_dir, "jest" if runner == "jest" else "c8")
        return SuiteRun(self.runner, tuple(cmd), tool, crashed(tool, report, runner), coverage, xml, notes)

    async def rerun(self, failed: Sequence[CaseResult]) -> TestReport | None:
        names = [c.name for c in failed if c.name]
        runner, args = self.recognised.runner, list(self.recognised.args)
        if not names or runner not in ("node", "jest", "mocha"):
            return None
        pattern = js_pattern(names)
        junit = self.workdir / "rerun.junit.xml"
        if runner == "node":
            if not self.version or self.version < NODE_REPORTERS:
                return None
            cmd = ["node", "--test-reporter=junit", f"--test-reporter-destination={junit}"]
            cmd += [f"--test-name-pattern={pattern}", *args]
        elif runner == "jest":
            out = self.workdir / "rerun.jest.json"
            cmd = [self._bin("jest"), *args, "--ci", "-t", pattern, "--json", f"--outputFile={out}"]
        else:
            cmd = [self._bin("mocha"), *args, "--grep", pattern, "--reporter", "xunit"]
            cmd += ["--reporter-option", f"output={junit}"]
        tool = await run_tool(
            cmd, cwd=self.service_dir, env=self.env, timeout_s=self.timeout_s, inherit_env=False
        )
        if runner == "jest":
            out = self.workdir / "rerun.jest.json"
            return (
                crashed(tool, parse_jest(out.read_text(), self.service_dir), runner)
                if out.is_file()
                else None
            )
        if not junit.is_file():
            return None
        return crashed(tool, parse(junit.read_text(errors="replace"), self.service_dir), runner)
