"""Known-vulnerable dependencies, with the auditors this host has: pip-audit (requirements.txt),
npm audit (package-lock.json), trivy (the whole folder). None is installed by the scan; a
missing one is reported as skipped."""

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

AUDIT_TIMEOUT_S = 600.0
PIP_AUDIT_SEVERITY: Security = "high"
"""pip-audit reports no severity; a known vulnerability in a declared dependency counts as high
(ignore one by its id in ``scan.ignore``)."""
_SEVERITIES: dict[str, Security] = {
    "info": "low",
    "unknown": "low",
    "low": "low",
    "moderate": "medium",
    "medium": "medium",
    "high": "high",
    "critical": "critical",
}


def _why(result: Any) -> str:
    return "timed out" if result.timed_out else (result.output.strip().splitlines() or ["failed"])[-1][:200]


def _finding(tool: str, rule: str, message: str, file: str, severity: str) -> Finding:
    sev = _SEVERITIES.get(severity.lower(), "medium")
    return Finding(tool, rule, message, file, level=security_level(sev), security=sev)


def parse_pip_audit(target: Target, data: Any) -> list[Finding]:
    findings = []
    for dep in data.get("dependencies", []) if isinstance(data, dict) else []:
        for vuln in dep.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions", [])) or "none yet"
            msg = f"{dep.get('name')} {dep.get('version')} is vulnerable (fixed in: {fixed})"
            where = target.rel(Path("requirements.txt"))
            findings.append(_finding("pip-audit", str(vuln.get("id")), msg, where, PIP_AUDIT_SEVERITY))
    return findings


def parse_npm_audit(target: Target, data: dict[str, Any]) -> list[Finding]:
    """One finding per advisory and package (``via`` entries that are advisories, not the
    names of the packages a vulnerability comes through)."""
    findings = []
    seen: set[tuple[str, str]] = set()
    for name, vuln in (data.get("vulnerabilities") or {}).items():
        for via in vuln.get("via", []):
            if not isinstance(via, dict):
                continue
            rule = str(via.get("url", "")).rstrip("/").rsplit("/", 1)[-1] or str(via.get("source", "npm"))
            if (rule, name) in seen:
                continue
            seen.add((rule, name))
            msg = f"{name} {via.get('range', '')}: {via.get('title', 'known vulnerability')}"
            where = target.rel(Path("package-lock.json"))
            findings.append(_finding("npm-audit", rule, msg, where, str(via.get("severity", ""))))
    return findings


def parse_trivy(target: Target, data: dict[str, Any]) -> list[Finding]:
    findings = []
    for report in data.get("Results") or []:
        for vuln in report.get("Vulnerabilities") or []:
            fixed = vuln.get("FixedVersion") or "none yet"
            msg = (
                f"{vuln.get('PkgName')} {vuln.get('InstalledVersion')}: {vuln.get('Title', '')} "
                f"(fixed in: {fixed})"
            )
            where = target.rel(Path(str(report.get("Target", "."))))
            rule = str(vuln.get("VulnerabilityID", "trivy"))
            findings.append(_finding("trivy", rule, msg, where, str(vuln.get("Severity", ""))))
    return findings


async def pip_audit(target: Target) -> Outcome:
    outcome = Outcome()
    if not (target.service_dir / "requirements.txt").is_file():
        return outcome  # pip-audit reads requirements.txt; pyproject-only services: trivy's job
    tool = which("pip-audit", [Path(sys.executable).parent])
    if tool is None:
        outcome.skipped["pip-audit"] = "not installed"
        return outcome
    args = [tool, "-r", "requirements.txt", "-f", "json", "--progress-spinner", "off"]
    result = await run_tool(args, cwd=target.service_dir, timeout_s=AUDIT_TIMEOUT_S)
    try:
        data = json.loads(result.stdout)
    except ValueError:
        outcome.skipped["pip-audit"] = f"pip-audit could not run: {_why(result)}"
        return outcome
    outcome.findings += parse_pip_audit(target, data)
    outcome.ran.append("pip-audit")
    return outcome


async def npm_audit(target: Target) -> Outcome:
    outcome = Outcome()
    if not (target.service_dir / "package.json").is_file():
        return outcome
    npm = which("npm")
    if npm is None:
        outcome.skipped["npm-audit"] = "not installed"
        return outcome
    if not (target.service_dir / "package-lock.json").is_file():
        outcome.skipped["npm-audit"] = "no package-lock.json"
        return outcome
    args = [npm, "audit", "--json", "--package-lock-only"]
    result = await run_tool(args, cwd=target.service_dir, timeout_s=AUDIT_TIMEOUT_S)
    try:
        data = json.loads(result.stdout)
        if not isinstance(data, dict):
            raise ValueError("not an audit report")
    except ValueError:
        outcome.skipped["npm-audit"] = f"npm audit could not run: {_why(result)}"
        return outcome
    if "error" in data:
        error = data["error"] if isinstance(data["error"], dict) else {}
        why = error.get("summary") or data.get("message") or "the audit endpoint answered an error"
        outcome.skipped["npm-audit"] = f"npm audit could not run: {why}"[:300]
        return outcome
    outcome.findings += parse_npm_audit(target, data)
    outcome.ran.append("npm-audit")
    return outcome


async def trivy(target: Target) -> Outcome:
    outcome = Outcome()
    tool = which("trivy")
    if tool is None:
        outcome.skipped["trivy"] = "not installed"
        return outcome
    args = [
        tool,
        "fs",
        "--scanners",
        "vuln",
        "--format",
        "json",
        "--quiet",
        "--skip-dirs",
        "node_modules",
        ".",
    ]
    result = await run_tool(args, cwd=target.service_dir, timeout_s=AUDIT_TIMEOUT_S)
    try:
        data = json.loads(result.stdout) if result.ok else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        outcome.skipped["trivy"] = f"trivy could not run: {_why(result)}"
        return outcome
    outcome.findings += parse_trivy(target, data)
    outcome.ran.append("trivy")
    return outcome
