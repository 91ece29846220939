"""JUnit XML, the format every runner can write (pytest, node --test, mocha's xunit): parsed into a
:class:`TestReport`, and written from one for the runners that cannot (unittest, jest)."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import ElementTree as SafeTree

from .model import CaseResult, Outcome, TestReport

MESSAGE_LINES = 6
MESSAGE_CHARS = 600
_PY_LOCATION = re.compile(r"^([^\s:][^:\n]*\.py):(\d+):", re.M)
_PY_FRAME = re.compile(r'^\s*File "([^"]+\.py)", line (\d+)', re.M)
_JS_LOCATION = re.compile(r"\(?((?:file://)?[^()\s:]+?\.[cm]?[jt]sx?):(\d+):\d+\)?")


class JUnitError(ValueError):
    """The file is not JUnit XML."""


def first_lines(text: str, lines: int = MESSAGE_LINES, chars: int = MESSAGE_CHARS) -> str:
    kept = [line.rstrip() for line in text.strip().splitlines() if line.strip()][:lines]
    joined = "\n".join(kept)
    return joined if len(joined) <= chars else joined[: chars - 1] + "…"


def location(text: str, root: Path | None = None) -> str | None:
    """``file:line`` of the innermost frame in the service's code, from a traceback or a JS stack."""
    py = _PY_LOCATION.findall(text)
    if py:
        file, line = py[-1]
        return f"{file}:{line}"
    frames = _PY_FRAME.findall(text)
    if frames:
        file, line = frames[-1]
        if root is not None and Path(file).is_absolute():
            try:
                file = str(Path(file).relative_to(root))
            except ValueError:
                pass
        return f"{file}:{line}"
    for file, line in _JS_LOCATION.findall(text):
        file = file.removeprefix("file://")
        if "node_modules" in file or file.startswith("node:"):
            continue
        if root is not None and Path(file).is_absolute():
            try:
                file = str(Path(file).relative_to(root))
            except ValueError:
                continue
        return f"{file}:{line}"
    return None


def _case_id(case: Element, root: Path | None) -> tuple[str, str]:
    name = case.get("name", "")
    classname = case.get("classname", "")
    file = case.get("file")
    if file and not file.endswith(".py"):  # mocha's xunit: an absolute file, the suite's title as classname
        if root is not None and Path(file).is_absolute():
            try:
                file = str(Path(file).relative_to(root))
            except ValueError:
                pass
        title = f"{classname} {name}".strip()
        return f"{file}::{title}", title  # mocha's --grep matches the full title
    if file:  # pytest's xunit1 family: file="tests/test_app.py" classname="tests.test_app.TestX"
        module = file.removesuffix(".py").replace("/", ".")
        inner = classname[len(module) :].lstrip(".") if classname.startswith(module) else ""
        return "::".join(p for p in (file, *inner.split("."), name) if p), name
    return (f"{classname}::{name}" if classname else name), name


def _outcome(case: Element, root: Path | None) -> tuple[Outcome, str, str | None]:
    for tag, outcome in (("failure", "failed"), ("error", "error")):
        found = case.find(tag)
        if found is not None:
            text = found.text or ""
            message = found.get("message") or ""
            shown = first_lines(message or text)
            return outcome, shown, location(text or message, root)  # type: ignore[return-value]
    if case.find("skipped") is not None:
        return "skipped", first_lines(case.find("skipped").get("message", "")), None  # type: ignore[union-attr]
    return "passed", "", None


def parse(xml: str | bytes, root: Path | None = None) -> TestReport:
    """Every ``<testcase>`` in the document, wherever the runner nested it."""
    try:
        doc = SafeTree.fromstring(xml)
    except SafeTree.ParseError as exc:
        raise JUnitError(f"not JUnit XML: {exc}") from None
    if doc.tag not in ("testsuites", "testsuite"):
        raise JUnitError(f"not JUnit XML: the root element is <{doc.tag}>")
    cases = []
    for case in doc.iter("testcase"):
        outcome, message, where = _outcome(case, root)
        case_id, name = _case_id(case, root)
        cases.append(CaseResult(case_id, outcome, _float(case.get("time")), message, where, name))
    duration = (
        _float(doc.get("time"))
        or sum(_float(s.get("time")) for s in doc.findall("testsuite"))
        or sum(c.duration_s for c in cases)
    )
    return TestReport(tuple(cases), duration)


def _float(value: str | None) -> float:
    try:
        return float(value or 0)
    except ValueError:
        return 0.0


def to_xml(report: TestReport, suite: str) -> str:
    """JUnit XML for a report that a runner gave in another form."""
    counts = report.counts()
    top = Element(
        "testsuite",
        name=suite,
        tests=str(counts["total"]),
        failures=str(counts["failed"]),
        errors=str(counts["errors"]),
        skipped=str(counts["skipped"]),
        time=f"{report.duration_s:.3f}",
    )
    for c in report.cases:
        classname, _, name = c.id.rpartition("::")
        el = SubElement(top, "testcase", classname=classname, name=name or c.id, time=f"{c.duration_s:.3f}")
        if c.outcome in ("failed", "error"):
            tag = "failure" if c.outcome == "failed" else "error"
            SubElement(el, tag, message=c.message.splitlines()[0] if c.message else "").text = c.message
        elif c.outcome == "skipped":
            SubElement(el, "skipped", message=c.message)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + tostring(top, encoding="unicode") + "\n"
