"""Generated Terraform, every provider/runtime and every secret manager: python-hcl2 parses it,
references are consistent, checkov finds nothing at or above high, and no secret value is in it.

checkov takes seconds to start, so it runs once, on a folder holding every variant."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

import anyio
import hcl2
import pytest

from capabilities.config.models import OrchestraConfig
from capabilities.errors import TaskFailed
from capabilities.findings import Finding, at_or_above_security
from capabilities.provision import blueprint_for, check_references, database_engine, parse_module, render
from capabilities.provision._checkov import checkov_bin, findings_of, run_checkov

SECRET_VALUE = "hunter2-do-not-write-me"
MANAGERS = ["env", "aws-secrets-manager", "gcp-secret-manager", "azure-key-vault", "vault"]
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "ecs": ("aws", {"name": "api", "runtime": "docker", "port": 5000, "env": {"GREETING": "hi"}}),
    "ec2": ("aws", {"name": "vm", "runtime": "ec2", "port": 5000, "replicas": 2}),
    "lambda": ("aws", {"name": "fn", "runtime": "lambda", "env": {"MODE": "fast"}}),
    "s3_static": ("aws", {"name": "site", "runtime": "docker", "language": "static"}),
    "rds": ("aws", {"name": "db", "runtime": "docker", "framework": "postgres"}),
    "cloud_run": ("gcp", {"name": "api", "runtime": "docker", "port": 8080}),
    "container_apps": ("azure", {"name": "api", "runtime": "docker", "port": 8080}),
}
CASES = [(kind, manager) for kind in VARIANTS for manager in MANAGERS]


def config_for(provider: str, service: dict[str, Any], manager: str = "env") -> OrchestraConfig:
    return OrchestraConfig.model_validate(
        {
            "project": {"name": "shop"},
            "deployment": {"provider": provider, "region": None, "services": [service]},
            "secrets": {"manager": manager, "keys": ["DB_PASSWORD", "API_TOKEN"]},
        }
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("terraform")
    mp = pytest.MonkeyPatch()
    mp.setenv("DB_PASSWORD", SECRET_VALUE)  # a value in the environment must not reach a file
    try:
        for kind, manager in CASES:
            provider, service = VARIANTS[kind]
            config = config_for(provider, service, manager)
            svc = config.deployment.services[0]
            blueprint = blueprint_for(config, svc, svc.language)
            assert blueprint is not None and blueprint.kind == kind
            render(config, svc, blueprint, image="ghcr.io/acme/api@sha256:" + "a" * 64).write(
                root / f"{kind}-{manager}"
            )
    finally:
        mp.undo()
    return root


@pytest.fixture(scope="module")
def checkov(generated: Path) -> dict[str, list[Finding]]:
    if checkov_bin() is None:
        pytest.fail("checkov is not installed: the provision gate needs it (see .ci/run)")
    result = anyio.run(run_checkov, generated, [])
    assert result.returncode in (0, 1), result.tail()
    by_folder: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings_of(result, ""):
        by_folder[finding.file.split("/")[0]].append(finding)
    text = result.stdout
    report = json.loads(text[min(i for i in (text.find("["), text.find("{")) if i >= 0) :])
    reports = report if isinstance(report, list) else [report]
    assert any(r.get("summary", {}).get("resource_count", 0) > 100 for r in reports), (
        "checkov scanned nothing"
    )
    return by_folder


@pytest.mark.parametrize(("kind", "manager"), CASES)
def test_every_file_parses_and_references_are_consistent(generated: Path, kind: str, manager: str) -> None:
    folder = generated / f"{kind}-{manager}"
    assert sorted(p.name for p in folder.iterdir()) == [
        "main.tf",
        "outputs.tf",
        "terraform.tfvars.json",
        "variables.tf",
    ]
    for path in folder.glob("*.tf"):
        hcl2.loads(path.read_text())  # raises on a syntax error
    module = parse_module(folder)
    assert not module.errors
    tfvars = [("terraform.tfvars.json", json.loads((folder / "terraform.tfvars.json").read_text()))]
    assert check_references(module, tfvars) == []
    assert "endpoint" in module.outputs
    assert module.resources, "a variant without resources provisions nothing"


@pytest.mark.parametrize(("kind", "manager"), CASES)
def test_checkov_finds_nothing_high(checkov: dict[str, list[Finding]], kind: str, manager: str) -> None:
    failed = at_or_above_security(checkov.get(f"{kind}-{manager}", []), "high")
    assert not failed, "\n".join(map(str, failed))


@pytest.mark.parametrize(("kind", "manager"), CASES)
def test_no_secret_value_and_secrets_come_from_the_manager(generated: Path, kind: str, manager: str) -> None:
    folder = generated / f"{kind}-{manager}"
    text = "\n".join(p.read_text() for p in sorted(folder.iterdir()))
    assert SECRET_VALUE not in text
    tfvars = json.loads((folder / "terraform.tfvars.json").read_text())
    assert not {"DB_PASSWORD", "API_TOKEN"} & set(tfvars.get("environment", {}))
    if kind in ("rds", "s3_static"):
        assert "DB_PASSWORD" not in text  # nothing of the service runs there: no secret handed over
        return
    main, variables = (folder / "main.tf").read_text(), (folder / "variables.tf").read_text()
    reference = {
        "aws-secrets-manager": 'data "aws_secretsmanager_secret_version" "db_password"',
        "gcp-secret-manager": 'data "google_secret_manager_secret_version" "db_password"',
        "azure-key-vault": 'data "azurerm_key_vault_secret" "db_password"',
        "vault": 'data "vault_generic_secret" "db_password"',
    }
    if manager == "env":
        block = variables.split('variable "secret_db_password"', 1)[1].split("}", 1)[0]
        assert "sensitive   = true" in block
    else:
        assert reference[manager] in main


def test_variables_carry_the_config_values(generated: Path) -> None:
    tfvars = json.loads((generated / "ecs-env" / "terraform.tfvars.json").read_text())
    assert tfvars["name"] == "shop-api"
    assert tfvars["region"] == "us-east-1"
    assert tfvars["port"] == 5000
    assert tfvars["environment"] == {"GREETING": "hi"}
    assert tfvars["image"].endswith("@sha256:" + "a" * 64)
    gcp = json.loads((generated / "cloud_run-env" / "terraform.tfvars.json").read_text())
    assert gcp["region"] == "us-central1"


def test_blueprints_by_provider_and_runtime() -> None:
    def kind(provider: str, **service: Any) -> str | None:
        config = config_for(provider, {"name": "svc", **service})
        bp = blueprint_for(config, config.deployment.services[0], service.get("language"))
        return bp.kind if bp else None

    assert kind("aws", runtime="kubernetes") is None  # the cluster comes from the kubeconfig
    assert kind("local", runtime="docker") is None
    assert kind("aws", runtime="docker") == "ecs"
    assert kind("aws", runtime="lambda") == "lambda"
    assert kind("gcp", runtime="docker", language="static") == "cloud_run"
    with pytest.raises(TaskFailed, match="runtime lambda is AWS's"):
        kind("gcp", runtime="lambda")
    with pytest.raises(TaskFailed, match=r"infrastructure\.path"):
        kind("custom", runtime="docker")


def test_how_a_database_is_declared() -> None:
    config = OrchestraConfig.model_validate(
        {
            "deployment": {
                "services": [
                    {"name": "db"},
                    {"name": "store", "framework": "mysql"},
                    {"name": "api", "framework": "flask"},
                ]
            }
        }
    )
    engines = [database_engine(s) for s in config.deployment.services]
    assert engines == ["postgres", "mysql", None]


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed on this machine")
def test_terraform_itself_parses_every_variant(generated: Path, tmp_path: Path) -> None:
    """``terraform fmt`` uses Terraform's own HCL parser (validate would need the providers)."""
    for kind, manager in CASES:
        copy = shutil.copytree(generated / f"{kind}-{manager}", tmp_path / f"{kind}-{manager}")
        result = subprocess.run(
            ["terraform", "fmt", "-no-color", str(copy)], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, f"{kind}-{manager}: {result.stderr}"
