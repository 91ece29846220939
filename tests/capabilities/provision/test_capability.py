"""The provision stage for real: a repository snapshot, a run on the board, an in-process peer,
checkov, and terraform where it is installed (with the built-in ``terraform_data`` resource,
which needs no provider download)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from blackboard import BoardSettings, RunMeta, TaskSpec, connect
from blackboard.keys import task_id
from capabilities.config.models import OrchestraConfig
from capabilities.host import default_cache_dir
from capabilities.provision import SKIPPED, Provision, outputs_artifact
from capabilities.provision._checkov import checkov_bin
from capabilities.source import snapshot
from capabilities.tools import run_tool
from tests.support.capabilities import Noop
from tests.support.harness import run_stage
from tests.support.peers import running_peer
from tests.support.wait import eventually

pytestmark = pytest.mark.anyio

SECRET = "s3cr3t-value-that-must-stay-in-the-environment"
NO_TERRAFORM = "terraform-is-not-installed-here"
needs_terraform = pytest.mark.skipif(
    shutil.which("terraform") is None, reason="terraform is not installed on this machine"
)


@pytest.fixture(autouse=True)
def checkov_installed() -> None:
    """Without checkov the peer does not advertise provision: say so instead of timing out."""
    if checkov_bin() is None:
        pytest.fail("checkov is not installed: provision never applies unscanned Terraform (see .ci/run)")


APP = """from flask import Flask

app = Flask(__name__)


@app.get("/health")
def health():
    return "ok"
"""

TERRAFORM_DATA = """
variable "greeting" {
  type    = string
  default = "hello"
}

resource "terraform_data" "app" {
  input = var.greeting
}

output "endpoint" {
  value = "http://app.internal/${terraform_data.app.output}"
}
"""


def repo(tmp_path: Path, terraform: str | None = None) -> Path:
    root = tmp_path / "shop"
    (root / "api").mkdir(parents=True)
    (root / "api" / "app.py").write_text(APP)
    (root / "api" / "requirements.txt").write_text("flask\n")
    if terraform is not None:
        (root / "infra").mkdir()
        (root / "infra" / "main.tf").write_text(terraform)
    return root


def config(
    provider: str = "aws",
    runtime: str = "docker",
    infra: str | None = None,
    project: str = "shop",
    **extra: Any,
) -> OrchestraConfig:
    """``project`` names the Terraform state in the session's cache: tests that apply use their own."""
    return OrchestraConfig.model_validate(
        {
            "project": {"name": project},
            "deployment": {
                "provider": provider,
                "services": [
                    {"name": "api", "path": "api", "runtime": runtime, "port": 5000, "env": {"MODE": "x"}}
                ],
            },
            "secrets": {"manager": "env", "keys": ["DB_PASSWORD"]},
            "infrastructure": {"path": infra},
            **extra,
        }
    )


async def test_without_terraform_it_generates_validates_and_skips_apply(
    board: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_PASSWORD", SECRET)
    stage = await run_stage(board, Provision(terraform=NO_TERRAFORM), repo(tmp_path), config=config())
    assert stage.task.state == "succeeded", stage.task.error
    assert stage.task.result["summary"] == SKIPPED
    assert stage.data["template"] == "aws/ecs" and stage.data["applied"] is False
    for name in (
        "main.tf",
        "variables.tf",
        "outputs.tf",
        "terraform.tfvars.json",
        "checkov.sarif",
        "summary.md",
    ):
        assert f"provision/api/{name}" in stage.artifacts
    tfvars = json.loads(await stage.artifact("provision/api/terraform.tfvars.json"))
    assert tfvars["environment"] == {"MODE": "x"}
    sarif = json.loads(await stage.artifact("provision/api/checkov.sarif"))
    assert [r["tool"]["driver"]["name"] for r in sarif["runs"]] == ["hcl2", "terraform-refs", "checkov"]
    # no secret value in any artifact, nor in the task's record
    for name in stage.artifacts:
        assert SECRET not in (await stage.artifact(name)).decode(errors="replace"), name
    assert SECRET not in json.dumps(stage.task.result)
    events = await board.events.history(stage.run.id)
    assert events and SECRET not in json.dumps([e.model_dump(mode="json") for e in events])


async def test_a_cloud_only_runtime_without_terraform_fails_clearly(board: Any, tmp_path: Path) -> None:
    stage = await run_stage(
        board, Provision(terraform=NO_TERRAFORM), repo(tmp_path), config=config(runtime="lambda")
    )
    assert stage.task.state == "failed"
    assert "apply skipped: terraform not installed" in stage.task.error
    assert "runtime lambda (aws/lambda) exists only as that infrastructure" in stage.task.error


async def test_nothing_to_provision_for_kubernetes(board: Any, tmp_path: Path) -> None:
    stage = await run_stage(board, Provision(), repo(tmp_path), config=config(runtime="kubernetes"))
    assert stage.task.state == "succeeded", stage.task.error
    assert stage.task.result["summary"].startswith("nothing to provision")


async def test_repository_terraform_with_an_undeclared_variable_fails(
    redis_settings: BoardSettings, tmp_path: Path
) -> None:
    bad = 'resource "terraform_data" "x" {\n  input = var.missing\n}\n'
    async with connect(redis_settings) as board:
        stage = await run_stage(
            board, Provision(terraform=NO_TERRAFORM), repo(tmp_path, bad), config=config(infra="infra")
        )
    assert stage.task.state == "failed"
    assert "infra/main.tf:2: undeclared-var [error] variable var.missing is not declared" in stage.task.error


async def test_repository_terraform_with_a_public_bucket_fails_the_gate(
    redis_settings: BoardSettings, tmp_path: Path
) -> None:
    public = """
resource "aws_s3_bucket" "site" {
  bucket = "shop-site"
}

resource "aws_s3_bucket_acl" "site" {
  bucket = aws_s3_bucket.site.id
  acl    = "public-read"
}
"""
    async with connect(redis_settings) as board:
        stage = await run_stage(board, Provision(), repo(tmp_path, public), config=config(infra="infra"))
        sarif = json.loads(await stage.artifact("provision/api/checkov.sarif"))
    assert stage.task.state == "failed"
    assert "failed validation" in stage.task.error
    assert "infra/main.tf:2: CKV_AWS_20 [high]" in stage.task.error  # public READ ACL
    rules = {r["ruleId"] for run in sarif["runs"] for r in run["results"]}
    assert {"CKV_AWS_20", "CKV2_AWS_6"} <= rules


async def test_scan_fail_on_never_lets_the_same_terraform_through(
    redis_settings: BoardSettings, tmp_path: Path
) -> None:
    public = 'resource "aws_s3_bucket" "site" {\n  bucket = "shop-site"\n}\n'
    async with connect(redis_settings) as board:
        stage = await run_stage(
            board,
            Provision(terraform=NO_TERRAFORM),
            repo(tmp_path, public),
            config=config(provider="local", runtime="local", infra="infra", scan={"fail_on": "never"}),
        )
    assert stage.task.state == "succeeded", stage.task.error
    assert stage.task.result["summary"] == "validated; apply skipped: terraform not installed"
    assert stage.data["findings"] > 0


@needs_terraform
async def test_terraform_plans_and_applies_a_local_environment(
    redis_settings: BoardSettings, tmp_path: Path
) -> None:
    cfg = config(provider="local", runtime="local", infra="infra", project="applied-locally")
    async with connect(redis_settings) as board:
        stage = await run_stage(board, Provision(), repo(tmp_path, TERRAFORM_DATA), config=cfg)
        assert stage.task.state == "succeeded", stage.task.error
        outputs = json.loads(await stage.artifact(outputs_artifact("api")))
        plan = (await stage.artifact("provision/api/plan.txt")).decode()
    assert outputs == {"endpoint": "http://app.internal/hello"}
    assert "1 to add" in plan
    assert (
        stage.task.result["summary"]
        == "validated repository Terraform; applied 1 to add, 0 to change, 0 to destroy"
    )


async def protected_run(board: Any, tmp_path: Path, project: str) -> tuple[str, Any]:
    """A run of provision:api then deploy:api (a noop) on provider aws: a protected environment."""
    cfg = config(provider="aws", runtime="local", infra="infra", project=project)
    snap = await snapshot(repo(tmp_path, TERRAFORM_DATA), default_cache_dir())
    specs = [
        TaskSpec(id="provision:api", capability="provision", inputs={"service": "api"}, max_attempts=1),
        TaskSpec(id="deploy:api", capability="noop", needs=("provision:api",), max_attempts=1),
    ]
    created = await board.runs.create(
        specs, RunMeta(trigger="test", repo=snap.repo, commit=snap.commit, labels={"project": project})
    )
    await board.artifacts.put(created.run_id, "config.json", cfg.model_dump_json())

    async def state(spec: str) -> str:
        tasks = {t.spec: t for t in await board.runs.tasks(created.run_id)}
        assert tasks["provision:api"].state != "failed", tasks["provision:api"].error
        return tasks[spec].state if spec in tasks else "absent"

    return created.run_id, state


@needs_terraform
@pytest.mark.timeout(180)
async def test_a_protected_apply_waits_for_approval_before_deploy(
    redis_settings: BoardSettings, tmp_path: Path
) -> None:
    async with connect(redis_settings) as board:
        run_id, state = await protected_run(board, tmp_path, "approved")
        async with running_peer(board, [Provision(), Noop()]):
            await eventually(lambda: _is(state("apply:api"), "waiting"), timeout=120, what="apply waits")
            provision = await board.runs.task(task_id(run_id, "provision:api"))
            assert "apply waits for approval (apply:api)" in provision.result["summary"]
            assert await state("deploy:api") == "blocked"
            names = {a.name for a in await board.artifacts.all(run_id)}
            assert "provision/api/plan.txt" in names and outputs_artifact("api") not in names

            await board.tasks.approve(task_id(run_id, "apply:api"), "alice")
            run = await board.runs.wait(run_id, timeout_s=120)
        assert run.status == "succeeded"
        outputs = json.loads(await board.artifacts.get(run_id, outputs_artifact("api")))
    assert outputs == {"endpoint": "http://app.internal/hello"}


@needs_terraform
@pytest.mark.timeout(180)
async def test_an_approval_covers_only_the_plan_that_was_shown(
    redis_settings: BoardSettings, tmp_path: Path, cache_dir: Path
) -> None:
    async with connect(redis_settings) as board:
        run_id, state = await protected_run(board, tmp_path, "drifted")
        async with running_peer(board, [Provision(), Noop()]):
            await eventually(lambda: _is(state("apply:api"), "waiting"), timeout=120, what="apply waits")
            # someone applies something else to the same state before the approval
            elsewhere = tmp_path / "elsewhere"
            elsewhere.mkdir()
            (elsewhere / "main.tf").write_text(TERRAFORM_DATA)
            tfstate = cache_dir / "terraform" / "state" / "drifted" / "_shared" / "terraform.tfstate"
            for args in (["init"], ["apply", "-auto-approve", "-var=greeting=other", f"-state={tfstate}"]):
                result = await run_tool(["terraform", *args, "-input=false", "-no-color"], cwd=elsewhere)
                assert result.ok, result.tail()

            await board.tasks.approve(task_id(run_id, "apply:api"), "alice")
            run = await board.runs.wait(run_id, timeout_s=120)
        apply = await board.runs.task(task_id(run_id, "apply:api"))
    assert run.status == "failed"
    assert apply.state == "failed"
    assert "the plan of api changed since it was approved" in apply.error
    assert "0 to add, 1 to change" in apply.error


async def _is(value: Any, expected: str) -> bool:
    return bool(await value == expected)
