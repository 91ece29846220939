"""checkov on Terraform, Kubernetes manifests and Dockerfiles, only when there are some (it
takes seconds to start). Its severities are used when it reports them (with a Prisma Cloud
key); otherwise a failed check is ``medium``."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

from ..analyze import Outcome, Target
from ..findings import Finding, Security, security_level
from ..tools import run_tool, which

log = logging.getLogger(__name__)

CHECKOV_TIMEOUT_S = 900.0
DEFAULT_SEVERITY: Security = "medium"
_SEVERITIES: dict[str, Security] = {
    "info": "low",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "critical": "critical",
}


def _reports(output: str) -> list[dict[str, Any]]:
    start = min((i for i in (output.find("["), output.find("{")) if i >= 0), default=-1)
    if start < 0:
        raise ValueError("no JSON in checkov's output")
    data = json.loads(output[start:])
    return [r for r in (data if isinstance(data, list) else [data]) if isinstance(r, dict)]


def parse_checkov(target: Target, folder: Path, output: str) -> list[Finding]:
    findings = []
    for report in _reports(output):
        for check in (report.get("results") or {}).get("failed_checks", []):
            severity = _SEVERITIES.get(str(check.get("severity") or "").lower(), DEFAULT_SEVERITY)
            lines = check.get("file_line_range") or [0, 0]
            path = folder / str(check.get("file_path", "")).lstrip("/")
            resource = str(check.get("resource") or "")
            resource = "" if resource.startswith("/") else resource  # a Dockerfile's: the file again
            findings.append(
                Finding(
                    "checkov",
                    str(check.get("check_id", "checkov")),
                    str(check.get("check_name", "")) + (f" ({resource})" if resource else ""),
                    target.rel(path),
                    int(lines[0] or 0),
                    0,
                    security_level(severity),
                    severity,
                    help_uri=check.get("guideline") or None,
                    extra={"framework": report.get("check_type", "")},
                )
            )
    return findings


async def run_checkov(target: Target, folders: dict[Path, list[str]]) -> Outcome:
    """``folders``: absolute folder -> the frameworks found in it."""
    outcome = Outcome()
    if not folders:
        return outcome
    checkov = which("checkov", [Path(sys.executable).parent])
    if checkov is None:
        outcome.skipped["checkov"] = "not installed"
        return outcome
    for folder, frameworks in folders.items():
        args = [checkov, "-d", ".", "--framework", *frameworks, "-o", "json", "--quiet", "--compact"]
        args += ["--skip-download", "--skip-path", "node_modules", "--skip-path", ".terraform"]
        result = await run_tool(args, cwd=folder, timeout_s=CHECKOV_TIMEOUT_S)
        try:
            if result.returncode not in (0, 1) or result.timed_out:
                raise ValueError("timed out" if result.timed_out else result.tail(3))
            outcome.findings += parse_checkov(target, folder, result.stdout)
        except ValueError as exc:
            outcome.skipped["checkov"] = f"checkov could not run: {exc}"[:300]
            return outcome
        outcome.ran.append(f"checkov ({', '.join(frameworks)})")
    return outcome
