"""What an approval approves (the plan's fingerprint) and how checkov's findings are graded."""

from __future__ import annotations

from typing import Any

from capabilities.provision._checkov import findings_of, severity_of
from capabilities.provision.terraform import fingerprint
from capabilities.tools import ToolResult


def plan(after: dict[str, Any], sensitive: Any) -> dict[str, Any]:
    change = {"actions": ["create"], "after": after, "after_sensitive": sensitive}
    return {"resource_changes": [{"address": "terraform_data.app", "change": change}]}


def test_the_fingerprint_follows_the_changes_but_never_a_sensitive_value() -> None:
    base = fingerprint(plan({"input": "hello", "token": "one"}, {"token": True}))
    assert base == fingerprint(plan({"input": "hello", "token": "two"}, {"token": True}))
    assert base != fingerprint(plan({"input": "other", "token": "one"}, {"token": True}))
    no_op = {"resource_changes": [{"address": "x.y", "change": {"actions": ["no-op"]}}]}
    assert fingerprint(no_op) == fingerprint({})


def test_checkov_severities() -> None:
    assert severity_of("CKV_AWS_20", None) == "high"  # public READ ACL
    assert severity_of("CKV_AWS_24", None) == "critical"  # SSH from anywhere
    assert severity_of("CKV_AWS_144", None) == "medium"  # not in the table
    assert severity_of("CKV_AWS_144", "LOW") == "low"  # checkov's own, when it has one
    stdout = """warning before the report
{"check_type": "terraform", "results": {"failed_checks": [{"check_id": "CKV_AWS_20",
 "check_name": "S3 Bucket has an ACL defined which allows public READ access.",
 "resource": "aws_s3_bucket.site", "file_path": "/main.tf", "file_line_range": [2, 4],
 "severity": null, "guideline": null}], "parsing_errors": []}, "summary": {}}"""
    [finding] = findings_of(ToolResult(("checkov",), 1, stdout, "", 1.0), "infra")
    assert str(finding) == (
        "infra/main.tf:2: CKV_AWS_20 [high] aws_s3_bucket.site: S3 Bucket has an ACL defined which allows "
        "public READ access."
    )
    assert finding.level == "error"
