"""The scan stage for real: fixture repositories, the real scanners, a real board and peer."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from blackboard import Board, TaskState
from capabilities.config import resolve_config
from capabilities.scan import Scan
from tests.support.harness import StageRun, run_stage

from .conftest import require, write_repo

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
# assembled here so this file itself holds no key-shaped string; obviously fake, never a real key
FAKE_KEY = "AKIA" + "Q7ZX4N2M8P5R3T6W"
FAKE_PASSWORD = "pw-" + "Qx7!tLm2vRz9"


async def scan(board: Board, repo: Path, **kwargs: object) -> StageRun:
    return await run_stage(board, Scan(), repo, **kwargs)  # type: ignore[arg-type]


async def everything_written(stage: StageRun) -> str:
    """Every artifact, the task record and every event of the run, as one text."""
    parts = [stage.task.model_dump_json()]
    parts += [(await stage.artifact(name)).decode() for name in stage.artifacts]
    parts += [json.dumps(e.model_dump(mode="json")) for e in await stage.board.events.history(stage.run.id)]
    return "\n".join(parts)


def insecure_repo(root: Path) -> Path:
    return write_repo(
        root,
        {
            "requirements.txt": "",
            "settings.py": f'AWS_ACCESS_KEY_ID = "{FAKE_KEY}"\nREGION = "eu-west-1"\n',
            ".env": f"DB_PASSWORD={FAKE_PASSWORD}\n",
            "app.py": """
                import subprocess
                import sys


                def run(cmd):
                    return subprocess.call(cmd, shell=True)


                if __name__ == "__main__":
                    run(sys.argv[1])
            """,
        },
    )


async def test_a_hard_coded_key_and_shell_injection_fail_the_gate_without_leaking(
    board: Board, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    require("bandit")
    caplog.set_level(logging.DEBUG)
    stage = await scan(board, insecure_repo(tmp_path / "svc"))
    assert stage.task.state is TaskState.FAILED
    error = stage.task.error
    assert "security gate" in error and "Traceback" not in error
    assert "settings.py:1" in error and "aws-access-key-id" in error and "AKIA…" in error
    assert "app.py:6" in error and "B602" in error
    assert ".env:1" in error and "hardcoded-secret" in error
    written = await everything_written(stage)
    assert "scan/svc.sarif" in stage.artifacts and "scan/svc.md" in stage.artifacts
    for secret in (FAKE_KEY, FAKE_PASSWORD):
        assert secret not in written
        assert secret not in caplog.text
    sarif = json.loads(await stage.artifact("scan/svc.sarif"))
    rules = {r["ruleId"]: r for run in sarif["runs"] for r in run["results"]}
    assert rules["aws-access-key-id"]["properties"]["security-severity"] == "critical"
    assert rules["B602"]["properties"]["security-severity"] == "high"


async def test_ignored_rules_are_dropped(board: Board, tmp_path: Path) -> None:
    repo = insecure_repo(tmp_path / "svc")
    config, _, _ = resolve_config(repo)
    config.scan.ignore = ["B602", "aws-access-key-id", "hardcoded-secret"]
    stage = await scan(board, repo, config=config)
    assert stage.task.state is TaskState.SUCCEEDED, stage.task.error
    assert stage.data["ignored"] == 3
    assert stage.data["counts"]["critical"] == stage.data["counts"]["high"] == 0


async def test_a_careless_dockerfile_gets_hadolint_findings(board: Board, tmp_path: Path) -> None:
    require("hadolint")
    require("checkov")
    repo = write_repo(
        tmp_path / "svc",
        {
            "requirements.txt": "",
            "app.py": "print('hello')\n",
            "Dockerfile": """
                FROM python:latest
                RUN apt-get update && apt-get install -y curl
                COPY . /app
                CMD ["python", "/app/app.py"]
            """,
        },
    )
    stage = await scan(board, repo)
    assert stage.task.state is TaskState.SUCCEEDED, stage.task.error  # medium: under the default gate
    sarif = json.loads(await stage.artifact("scan/svc.sarif"))
    hadolint = {
        r["ruleId"]: r
        for run in sarif["runs"]
        if run["tool"]["driver"]["name"] == "hadolint"
        for r in run["results"]
    }
    assert {"DL3007", "DL3008"} <= set(hadolint)
    assert hadolint["DL3008"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert hadolint["DL3007"]["properties"]["security-severity"] == "medium"
    assert any(r.startswith("checkov") for r in stage.data["ran"])


async def test_a_public_s3_bucket_gets_checkov_findings(board: Board, tmp_path: Path) -> None:
    require("checkov")
    repo = write_repo(
        tmp_path / "svc",
        {
            "requirements.txt": "",
            "app.py": "print('hello')\n",
            "infra/main.tf": """
                resource "aws_s3_bucket" "data" {
                  bucket = "orchestra-test-public-bucket"
                  acl    = "public-read"
                }
            """,
        },
    )
    config, _, _ = resolve_config(repo)
    config.scan.fail_on = "medium"
    stage = await scan(board, repo, config=config)
    assert stage.task.state is TaskState.FAILED
    assert "infra/main.tf:1 CKV_AWS_20 [medium]" in stage.task.error
    assert "aws_s3_bucket.data" in stage.task.error


@pytest.mark.parametrize("service", ["backend", "frontend"])
async def test_the_fullstack_example_passes_the_default_gate(board: Board, service: str) -> None:
    stage = await scan(board, EXAMPLES / "fullstack", service=service)
    assert stage.task.state is TaskState.SUCCEEDED, stage.task.error
    assert stage.data["counts"]["critical"] == stage.data["counts"]["high"] == 0
    assert stage.data["gate"] == {"fail_on": "high", "passed": True}
    assert any(r.startswith("secrets") for r in stage.data["ran"])
    assert stage.data["skipped"].get("trivy") in ("not installed", None)
