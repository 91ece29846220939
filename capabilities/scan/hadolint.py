"""hadolint on the service's Dockerfiles: error -> high, warning -> medium, info/style -> low."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from ..analyze import Outcome, Target
from ..findings import Finding, Security, security_level
from ..tools import run_tool, which

log = logging.getLogger(__name__)

HADOLINT_TIMEOUT_S = 120.0
SEVERITY: dict[str, Security] = {"error": "high", "warning": "medium", "info": "low", "style": "low"}


def parse_hadolint(target: Target, output: str) -> list[Finding]:
    findings = []
    for item in json.loads(output or "[]"):
        rule = str(item.get("code", "hadolint"))
        severity = SEVERITY.get(str(item.get("level", "")).lower(), "low")
        findings.append(
            Finding(
                "hadolint",
                rule,
                str(item.get("message", "")),
                target.rel(Path(item.get("file", "Dockerfile"))),
                int(item.get("line") or 0),
                int(item.get("column") or 0),
                security_level(severity),
                severity,
                help_uri=f"https://github.com/hadolint/hadolint/wiki/{rule}"
                if rule.startswith("DL")
                else None,
            )
        )
    return findings


async def run_hadolint(target: Target, dockerfiles: list[Path]) -> Outcome:
    outcome = Outcome()
    if not dockerfiles:
        return outcome
    hadolint = which("hadolint", [Path(sys.executable).parent])
    if hadolint is None:
        outcome.skipped["hadolint"] = "not installed"
        return outcome
    args = [hadolint, "--format", "json", "--no-fail", *map(str, dockerfiles)]
    result = await run_tool(args, cwd=target.service_dir, timeout_s=HADOLINT_TIMEOUT_S)
    try:
        outcome.findings += parse_hadolint(target, result.stdout)
    except (ValueError, AttributeError) as exc:
        why = "timed out" if result.timed_out else result.tail(3) or str(exc)
        outcome.skipped["hadolint"] = f"hadolint could not run: {why}"[:300]
        return outcome
    outcome.ran.append(f"hadolint ({len(dockerfiles)} Dockerfile(s))")
    return outcome
