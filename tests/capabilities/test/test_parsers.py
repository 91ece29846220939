"""Reading what runners write: JUnit XML, unittest's verbose output, coverage formats, commands."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from capabilities.errors import TaskFailed
from capabilities.test._command import recognise, split
from capabilities.test._unittest import parse_verbose
from capabilities.test.coverage import from_istanbul_summary, from_lcov, is_test_file, union
from capabilities.test.junit import JUnitError, parse, to_xml
from capabilities.test.node import js_pattern

NODE_JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites>
  <testsuite name="math" time="0.01" tests="2" failures="1">
    <testcase name="adds" time="0.001" classname="test"/>
    <testcase name="subtracts" time="0.002" classname="test">
      <failure type="testCodeFailure" message="Expected values to be strictly equal:&#10;&#10;1 !== 2&#10;">
AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:
    at TestContext.&lt;anonymous&gt; (/srv/app/test/math.test.js:9:10)
    at Test.runInAsyncScope (node:async_hooks:206:9)
      </failure>
    </testcase>
  </testsuite>
  <testcase name="skipped one" time="0" classname="test"><skipped type="skipped"/></testcase>
</testsuites>
"""


def test_node_junit() -> None:
    report = parse(NODE_JUNIT, Path("/srv/app"))
    assert report.counts() == {
        "total": 3,
        "passed": 1,
        "failed": 1,
        "errors": 0,
        "skipped": 1,
        "duration_s": 0.01,
    }
    [failure] = report.failures
    assert failure.id == "test::subtracts" and failure.name == "subtracts"
    assert failure.location == "test/math.test.js:9"
    assert failure.message.startswith("Expected values to be strictly equal:")


def test_junit_round_trip_and_refusals() -> None:
    report = parse(NODE_JUNIT, Path("/srv/app"))
    again = parse(to_xml(report, "node"))
    assert again.counts()["failed"] == 1 and again.counts()["skipped"] == 1
    with pytest.raises(JUnitError):
        parse("<html/>")
    with pytest.raises(JUnitError):
        parse("not xml")
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><testsuites>&a;</testsuites>'
    with pytest.raises(Exception):  # defusedxml refuses entities outright
        parse(bomb)


def test_unittest_verbose_output(tmp_path: Path) -> None:
    (tmp_path / "test_things.py").write_text(
        textwrap.dedent(
            """\
            import unittest


            class Things(unittest.TestCase):
                def test_good(self):
                    self.assertEqual(1, 1)

                def test_bad(self):
                    self.assertEqual(1, 2, "one is not two")

                @unittest.skip("later")
                def test_later(self):
                    pass

                def test_broken(self):
                    raise RuntimeError("boom")
            """
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "unittest", "-v"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    report = parse_verbose(done.stderr, tmp_path)
    outcomes = {c.id: c.outcome for c in report.cases}
    assert outcomes == {
        "test_things.Things.test_good": "passed",
        "test_things.Things.test_bad": "failed",
        "test_things.Things.test_later": "skipped",
        "test_things.Things.test_broken": "error",
    }
    bad = next(c for c in report.cases if c.outcome == "failed")
    assert "one is not two" in bad.message and bad.location == "test_things.py:9"


def test_lcov_and_istanbul(tmp_path: Path) -> None:
    lcov = f"TN:\nSF:{tmp_path}/server.js\nDA:1,1\nDA:2,0\nDA:3,4\nend_of_record\n"
    lcov += f"SF:{tmp_path}/test/a.test.js\nDA:1,1\nend_of_record\n"
    report = from_lcov(lcov, tmp_path)
    assert set(report.files) == {"server.js"}
    assert report.files["server.js"].missing == (2,) and report.percent == pytest.approx(66.67)
    summary = {
        "total": {"lines": {"total": 10, "covered": 5}},
        f"{tmp_path}/src/a.js": {"lines": {"total": 4, "covered": 4}},
        f"{tmp_path}/src/a.spec.js": {"lines": {"total": 4, "covered": 4}},
        f"{tmp_path}/src/b.js": {"lines": {"total": 4, "covered": 1}},
    }
    report = from_istanbul_summary(json.dumps(summary), tmp_path, "jest")
    assert set(report.files) == {"src/a.js", "src/b.js"} and report.percent == 62.5


def test_union_counts_each_line_once(tmp_path: Path) -> None:
    a = from_lcov(f"SF:{tmp_path}/m.js\nDA:1,1\nDA:2,0\nDA:3,0\nend_of_record", tmp_path)
    b = from_lcov(f"SF:{tmp_path}/m.js\nDA:1,1\nDA:2,1\nDA:3,0\nend_of_record", tmp_path)
    both = union([a, b])
    assert both.files["m.js"].covered == 2 and both.files["m.js"].missing == (3,)


@pytest.mark.parametrize(
    ("rel", "test"),
    [("tests/test_app.py", True), ("app.py", False), ("pkg/conftest.py", True), ("test/server.test.js", True),
     ("src/util_test.py", True), ("server.js", False), ("latest.py", False)],
)  # fmt: skip
def test_is_test_file(rel: str, test: bool) -> None:
    assert is_test_file(rel) is test


def test_commands() -> None:
    assert recognise(["python", "-m", "pytest", "-q"]).runner == "pytest"
    assert recognise(["pytest", "tests/unit"]).args == ("tests/unit",)
    assert recognise(["python3", "-m", "unittest", "discover"]).runner == "unittest"
    assert recognise(["npm", "test"]).runner == "npm"
    assert recognise(["npx", "jest", "--runInBand"]).args == ("--runInBand",)
    assert recognise(["node", "--test"]).runner == "node"
    assert recognise(["make", "test"]).runner == "custom"
    assert split("pytest -q -k 'a or b'", "x") == ["pytest", "-q", "-k", "a or b"]
    with pytest.raises(TaskFailed, match="shell syntax"):
        split("pip install -e . && pytest", "the test command")


def test_js_pattern_matches_names_exactly() -> None:
    assert js_pattern(["adds (1 + 1)", "a.b"]) == r"^adds \(1 \+ 1\)$|^a\.b$"
