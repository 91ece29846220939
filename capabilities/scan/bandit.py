"""bandit on the service's Python code: severity LOW/MEDIUM/HIGH -> low/medium/high."""

from __future__ import annotations

import json
import logging
import re
import sys
import tomllib
from pathlib import Path
from typing import cast

from ..analyze import Outcome, Target
from ..findings import Finding, Security, security_level
from ..tools import run_tool, which
from ._patterns import preview

log = logging.getLogger(__name__)

BANDIT_TIMEOUT_S = 600.0
_QUOTED = re.compile(r"'([^']*)'")
_ECHOES_VALUE = frozenset({"B105", "B106", "B107"})
"""Hard-coded password checks put the password in their message."""


def _is_test(rel: str) -> bool:
    parts = rel.split("/")
    name = parts[-1]
    return (
        any(p in ("tests", "test") for p in parts[:-1]) or name.startswith("test_") or name == "conftest.py"
    )


def _config_args(service_dir: Path) -> list[str]:
    if (service_dir / ".bandit").is_file():
        return ["--ini", ".bandit"]
    pyproject = service_dir / "pyproject.toml"
    if pyproject.is_file():
        try:
            if "bandit" in tomllib.loads(pyproject.read_text(errors="replace")).get("tool", {}):
                return ["-c", "pyproject.toml"]
        except tomllib.TOMLDecodeError:
            pass
    return []


def parse_bandit(target: Target, output: str) -> list[Finding]:
    findings = []
    for item in json.loads(output or "{}").get("results", []):
        rule = str(item.get("test_id", "bandit"))
        rel = target.rel(Path(item["filename"]))
        if rule == "B101" and _is_test(rel):
            continue  # asserts are how tests check things
        severity = cast(Security, str(item.get("issue_severity", "LOW")).lower())
        if severity not in ("low", "medium", "high"):
            severity = "low"
        message = str(item.get("issue_text", ""))
        if rule in _ECHOES_VALUE:
            message = _QUOTED.sub(lambda m: f"'{preview(m.group(1))}'", message)
        confidence = str(item.get("issue_confidence", "")).lower()
        findings.append(
            Finding(
                "bandit",
                rule,
                f"{message} (confidence {confidence})" if confidence else message,
                rel,
                int(item.get("line_number") or 0),
                int(item.get("col_offset") or 0) + 1,
                security_level(severity),
                severity,
                help_uri=item.get("more_info"),
            )
        )
    return findings


async def run_bandit(target: Target, files: list[Path]) -> Outcome:
    outcome = Outcome()
    python = [f for f in files if f.suffix == ".py"]
    if not python:
        return outcome
    bandit = which("bandit", [Path(sys.executable).parent])
    if bandit is None:
        outcome.skipped["bandit"] = "not installed"
        return outcome
    args = [bandit, "-f", "json", "-q", *_config_args(target.service_dir), *map(str, python)]
    result = await run_tool(args, cwd=target.service_dir, timeout_s=BANDIT_TIMEOUT_S)
    if result.returncode not in (0, 1) or result.timed_out or not result.stdout.strip():
        why = "timed out" if result.timed_out else (result.stderr.strip().splitlines() or ["failed"])[-1]
        outcome.skipped["bandit"] = f"bandit could not run: {why}"[:300]
        return outcome
    outcome.findings += parse_bandit(target, result.stdout)
    outcome.ran.append(f"bandit ({len(python)} file(s))")
    return outcome
