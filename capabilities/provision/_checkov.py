"""checkov on a folder of Terraform: findings with a severity the scan gate can compare.

Open-source checkov reports no severity (Prisma Cloud's API gives them, with a key). When it
gives one, it is used; otherwise the table below classifies the checks this gate is about —
public exposure, hard-coded secrets and admin rights are critical; missing encryption at rest or
in transit, public access blocks, versioning, access logging, IMDSv2 and unconstrained IAM are
high — and every other failed check counts as medium (gated by ``scan.fail_on: medium``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..findings import Finding, Security
from ..tools import ToolResult, run_tool, which

__all__ = ["SEVERITY", "checkov_bin", "findings_of", "run_checkov", "severity_of"]

_CRITICAL = {
    "CKV_AWS_17",  # RDS publicly accessible
    "CKV_AWS_24",  # SSH open to the world
    "CKV_AWS_25",  # RDP open to the world
    "CKV_AWS_277",  # every port open to the world
    "CKV_AWS_41",  # AWS keys in the provider block
    "CKV_AWS_45",  # secrets in a Lambda's environment
    "CKV_AWS_46",  # secrets in EC2 user data
    "CKV_AWS_57",  # S3 bucket writable by everyone
    "CKV_AWS_62",  # IAM "*:*" administrator policy
    "CKV_AWS_274",  # AdministratorAccess attached
    "CKV_AWS_33",  # KMS key policy with a "*" principal
    "CKV_AWS_70",  # S3 bucket policy allowing any principal
    "CKV_AWS_302",  # public DB snapshot
    "CKV_GCP_102",  # Cloud Run callable by anyone (binding)
}
_HIGH = {
    # public access
    "CKV_AWS_20", "CKV_AWS_375", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56",
    "CKV2_AWS_6", "CKV_AWS_88", "CKV_AWS_130", "CKV_AWS_333", "CKV_AWS_258", "CKV_AWS_301",
    # encryption at rest
    "CKV_AWS_19", "CKV_AWS_16", "CKV_AWS_3", "CKV_AWS_8", "CKV_AWS_27", "CKV_AWS_64",
    "CKV_AWS_84", "CKV_AWS_189", "CKV_AWS_173", "CKV_AWS_337",
    # encryption in transit
    "CKV_AWS_2", "CKV_AWS_103", "CKV_AWS_34", "CKV_AWS_174", "CKV2_AWS_69", "CKV2_AWS_20",
    # versioning, logging
    "CKV_AWS_21", "CKV_AWS_18", "CKV_AWS_91", "CKV_AWS_86", "CKV_AWS_129", "CKV_AWS_158",
    "CKV_AWS_66", "CKV2_AWS_31",
    # instance metadata, privileged containers
    "CKV_AWS_79", "CKV_AWS_334", "CKV_AWS_335",
    # IAM without constraints
    "CKV_AWS_63", "CKV_AWS_286", "CKV_AWS_287", "CKV_AWS_288", "CKV_AWS_289", "CKV_AWS_60",
    "CKV_AWS_61", "CKV_AWS_40",
    # key management
    "CKV_AWS_7", "CKV_AWS_227",
}  # fmt: skip

SEVERITY: dict[str, Security] = {
    **{check: "high" for check in _HIGH},
    **{check: "critical" for check in _CRITICAL},
}


def severity_of(check_id: str, reported: str | None) -> Security:
    if reported and reported.lower() in ("low", "medium", "high", "critical"):
        return reported.lower()  # type: ignore[return-value]
    if check_id.startswith("CKV_SECRET_"):
        return "critical"
    return SEVERITY.get(check_id, "medium")


def checkov_bin() -> str | None:
    """checkov on PATH, or in this interpreter's bin folder."""
    return which("checkov", [Path(sys.executable).parent])


async def run_checkov(folder: Path, skip: list[str], timeout_s: float = 600) -> ToolResult:
    exe = checkov_bin() or "checkov"
    args = [exe, "-d", str(folder), "--framework", "terraform", "-o", "json", "--compact", "--quiet"]
    args += ["--skip-download"]
    if skip:
        args += ["--skip-check", ",".join(skip)]
    # no Prisma Cloud mapping download: this runs offline, and the table above gives severities
    env = {"BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false", "LOG_LEVEL": "WARNING"}
    return await run_tool(args, cwd=folder, env=env, timeout_s=timeout_s)


def findings_of(result: ToolResult, prefix: str) -> list[Finding]:
    """Failed checks and parsing errors from checkov's JSON (paths prefixed with ``prefix``)."""
    text = result.stdout
    starts = [i for i in (text.find("["), text.find("{")) if i >= 0]
    if not starts:
        return []
    data: Any = json.loads(text[min(starts) :])
    reports = data if isinstance(data, list) else [data]
    found: list[Finding] = []
    for report in reports:
        results = report.get("results") if isinstance(report, dict) else None
        if not results:
            continue
        for check in results.get("failed_checks", []):
            severity = severity_of(check["check_id"], check.get("severity"))
            lines = check.get("file_line_range") or [0, 0]
            found.append(
                Finding(
                    tool="checkov",
                    rule=check["check_id"],
                    message=f"{check['resource']}: {check['check_name']}",
                    file=_join(prefix, check.get("file_path", "")),
                    line=int(lines[0] or 0),
                    level="error" if severity in ("high", "critical") else "warning",
                    security=severity,
                    help_uri=check.get("guideline") or None,
                )
            )
        for path in results.get("parsing_errors", []):
            found.append(
                Finding(
                    "checkov",
                    "parse",
                    "checkov could not parse this file",
                    _join(prefix, path),
                    level="error",
                )
            )
    return found


def _join(prefix: str, path: str) -> str:
    name = path.lstrip("/")
    return f"{prefix.rstrip('/')}/{name}" if prefix else name
