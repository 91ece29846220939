"""The scanners' reports as findings: severities, paths, and no secret in a message."""

from __future__ import annotations

import json
from pathlib import Path

from capabilities.analyze import Target, service_target
from capabilities.config.models import OrchestraConfig
from capabilities.scan._files import all_files
from capabilities.scan.audits import parse_npm_audit, parse_pip_audit, parse_trivy
from capabilities.scan.bandit import parse_bandit
from capabilities.scan.capability import iac_folders, service_dockerfiles
from capabilities.scan.checkov import parse_checkov
from capabilities.scan.hadolint import parse_hadolint

TARGET = Target(Path("/repo"), Path("/repo/api"), "api/")


def test_bandit_severities_and_password_messages() -> None:
    report = {
        "results": [
            {"filename": "app.py", "line_number": 3, "col_offset": 4, "test_id": "B602",
             "issue_severity": "HIGH", "issue_confidence": "HIGH", "issue_text": "shell=True"},
            {"filename": "app.py", "line_number": 4, "col_offset": 0, "test_id": "B105",
             "issue_severity": "LOW", "issue_confidence": "MEDIUM",
             "issue_text": "Possible hardcoded password: 'sw0rdfish-long'"},  # pragma: allowlist secret
            {"filename": "tests/test_app.py", "line_number": 1, "col_offset": 0, "test_id": "B101",
             "issue_severity": "LOW", "issue_confidence": "HIGH", "issue_text": "assert used"},
        ]
    }  # fmt: skip
    findings = parse_bandit(TARGET, json.dumps(report))
    assert [(f.file, f.line, f.column, f.rule, f.security, f.level) for f in findings] == [
        ("api/app.py", 3, 5, "B602", "high", "error"),
        ("api/app.py", 4, 1, "B105", "low", "note"),
    ]
    assert "sw0rdfish" not in findings[1].message and "'sw0r…'" in findings[1].message


def test_hadolint_levels() -> None:
    report = [
        {
            "code": "DL3007",
            "file": "Dockerfile",
            "level": "warning",
            "line": 1,
            "column": 1,
            "message": "latest",
        },
        {"code": "DL3000", "file": "Dockerfile", "level": "error", "line": 2, "column": 1, "message": "abs"},
        {"code": "DL3015", "file": "Dockerfile", "level": "info", "line": 3, "column": 1, "message": "recs"},
        {
            "code": "SC2086",
            "file": "Dockerfile",
            "level": "style",
            "line": 4,
            "column": 1,
            "message": "quote",
        },
    ]
    found = [(f.rule, f.security) for f in parse_hadolint(TARGET, json.dumps(report))]
    assert found == [("DL3007", "medium"), ("DL3000", "high"), ("DL3015", "low"), ("SC2086", "low")]


def test_checkov_uses_its_severity_or_medium() -> None:
    check = {
        "check_id": "CKV_AWS_20",
        "check_name": "public READ",
        "file_path": "/infra/main.tf",
        "file_line_range": [3, 8],
        "resource": "aws_s3_bucket.data",
        "severity": None,
    }
    report = [
        {"check_type": "terraform", "results": {"failed_checks": [check, {**check, "severity": "CRITICAL"}]}},
        {"passed": 0, "failed": 0},
    ]
    findings = parse_checkov(TARGET, TARGET.service_dir, "log line\n" + json.dumps(report))
    assert [(f.file, f.line, f.security) for f in findings] == [
        ("api/infra/main.tf", 3, "medium"),
        ("api/infra/main.tf", 3, "critical"),
    ]
    outside = parse_checkov(TARGET, Path("/repo/terraform"), json.dumps(report[0]))
    assert outside[0].file == "terraform/infra/main.tf"


def test_the_repository_terraform_is_scanned_once_with_the_first_service(tmp_path: Path) -> None:
    for rel in ("api/main.tf", "api/Dockerfile", "web/k8s/deploy.yaml", "terraform/main.tf"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "api/main.tf").write_text("")
    (tmp_path / "api/Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "web/k8s/deploy.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\n")
    (tmp_path / "terraform/main.tf").write_text("")
    config = OrchestraConfig.model_validate(
        {
            "infrastructure": {"path": "terraform"},
            "deployment": {"services": [{"name": "api", "path": "api"}, {"name": "web", "path": "web"}]},
        }
    )
    folders = {}
    for name in ("api", "web"):
        target = service_target(tmp_path, config, config.service(name))
        folders[name] = iac_folders(target, all_files(target.service_dir), config, config.service(name))
    root = tmp_path.resolve()
    assert folders["api"] == {root / "api": ["terraform", "dockerfile"], root / "terraform": ["terraform"]}
    assert folders["web"] == {root / "web": ["kubernetes"]}


def test_the_dockerfile_the_config_names_is_linted_too(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "docker").mkdir()
    (tmp_path / "api" / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "docker" / "api.Containerfile.txt").write_text("FROM scratch\n")
    config = OrchestraConfig.model_validate(
        {
            "deployment": {
                "services": [{"name": "api", "path": "api", "dockerfile": "docker/api.Containerfile.txt"}]
            }
        }
    )
    target = service_target(tmp_path, config, config.service("api"))
    found = service_dockerfiles(target, all_files(target.service_dir), config.service("api"))
    assert found == [Path("Dockerfile"), tmp_path.resolve() / "docker" / "api.Containerfile.txt"]
    assert target.rel(found[1]) == "docker/api.Containerfile.txt"


def test_dependency_audits() -> None:
    npm = {
        "vulnerabilities": {
            "lodash": {
                "severity": "high",
                "via": [
                    {"source": 1, "title": "Prototype Pollution", "url": "https://github.com/advisories/GHSA-p6mc-m468-83gw",
                     "severity": "high", "range": "<4.17.19"},
                    {"source": 2, "title": "ReDoS", "url": "https://github.com/advisories/GHSA-29mw-wpgm-hmr9",
                     "severity": "moderate", "range": "<4.17.21"},
                ],
            },
            "express": {"severity": "high", "via": ["lodash"]},
        }
    }  # fmt: skip
    assert [(f.rule, f.security, f.file) for f in parse_npm_audit(TARGET, npm)] == [
        ("GHSA-p6mc-m468-83gw", "high", "api/package-lock.json"),
        ("GHSA-29mw-wpgm-hmr9", "medium", "api/package-lock.json"),
    ]
    pip = {
        "dependencies": [
            {"name": "flask", "version": "0.12", "vulns": [{"id": "PYSEC-2019-179", "fix_versions": ["1.0"]}]}
        ]
    }
    [finding] = parse_pip_audit(TARGET, pip)
    assert (finding.rule, finding.security, finding.file) == (
        "PYSEC-2019-179",
        "high",
        "api/requirements.txt",
    )
    assert "fixed in: 1.0" in finding.message
    trivy = {"Results": [{"Target": "requirements.txt", "Vulnerabilities": [
        {"VulnerabilityID": "CVE-2023-30861", "PkgName": "flask", "InstalledVersion": "2.2.0",
         "FixedVersion": "2.2.5", "Severity": "CRITICAL", "Title": "cookie leak"}]}]}  # fmt: skip
    assert [(f.rule, f.security) for f in parse_trivy(TARGET, trivy)] == [("CVE-2023-30861", "critical")]
