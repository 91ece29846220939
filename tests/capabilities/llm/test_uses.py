"""The uses, each validated by the real tool before its answer is used: Terraform parameters
(rendered, python-hcl2 + checkov), Dockerfile parameters (the template's base and port), advisory
review comments (in the analysis report, never a gate), with the real model where it answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from blackboard import Board, BoardSettings, TaskState, connect
from capabilities.analyze import Analyze
from capabilities.config import resolve_config
from capabilities.config.models import AI, OrchestraConfig
from capabilities.llm import LLM, LlamaCppBackend, get_llm, template_backend
from capabilities.llm.schemas import PARAMETERS, DockerfilePlan, DockerfileRequest, ReviewRequest
from capabilities.llm.uses import plan_problems, terraform_parameters, terraform_with_model
from capabilities.llm.uses.dockerfile import image_name, template_plan
from capabilities.llm.uses.review import added_lines, template_review
from capabilities.llm.uses.terraform import terraform_request
from capabilities.provision import blueprint_for
from capabilities.provision._checkov import checkov_bin
from capabilities.provision.validate import validate_folder
from tests.support.harness import run_stage

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(300)]


def shop(provider: str = "aws") -> OrchestraConfig:
    return OrchestraConfig.model_validate(
        {
            "project": {"name": "shop"},
            "deployment": {
                "provider": provider,
                "services": [{"name": "api", "runtime": "docker", "port": 5000, "language": "python"}],
            },
        }
    )


async def test_terraform_parameters_are_used_once_the_module_validates(
    llamacpp: LlamaCppBackend, tmp_path: Path
) -> None:
    if checkov_bin() is None:
        pytest.fail("checkov is not installed (see .ci/run): Terraform is never used unscanned")
    config = shop()
    service = config.deployment.services[0]
    blueprint = blueprint_for(config, service, "python")
    assert blueprint is not None and blueprint.kind == "ecs"
    llm = LLM(llamacpp, fallback=template_backend())
    chosen = await terraform_with_model(
        llm, config, service, blueprint, folder=tmp_path / "tf", scratch=tmp_path / "scratch"
    )
    assert not (tmp_path / "scratch").exists(), "the scratch folder is removed"
    meta = chosen.meta()
    assert meta["task"] == "terraform" and meta["backend"] in ("llamacpp", "template")
    assert isinstance(chosen.generation.value, PARAMETERS["ecs"])
    tfvars = json.loads((tmp_path / "tf" / "terraform.tfvars.json").read_text())
    assert {k: tfvars[k] for k in meta["parameters"]} == meta["parameters"], "the values were rendered"
    assert tfvars["port"] == 5000 and tfvars["name"] == "shop-api", "the config's values stay"
    verdict = await validate_folder(tmp_path / "tf", fail_on=config.scan.fail_on, ignore=config.scan.ignore)
    assert verdict.ok, verdict.message()


async def test_terraform_parameters_the_validation_rejects_fall_back(llamacpp: LlamaCppBackend) -> None:
    config = shop("gcp")
    service = config.deployment.services[0]
    blueprint = blueprint_for(config, service, "python")
    assert blueprint is not None and blueprint.kind == "cloud_run"

    async def checkov_says_no(_: object) -> str:
        return "provision/api/main.tf:12 CKV_GCP_102 (high) Cloud Run service is public"

    request = terraform_request(config, service, blueprint)
    generation = await terraform_parameters(
        LLM(llamacpp, fallback=template_backend()), request, check=checkov_says_no
    )
    assert generation.fell_back and "CKV_GCP_102" in (generation.error or "")
    assert generation.value == PARAMETERS["cloud_run"](notes="the gcp/cloud_run template's defaults")
    assert generation.value.tfvars() == {}, "the template's defaults change nothing"


def test_terraform_parameters_keep_to_what_the_provider_accepts() -> None:
    with pytest.raises(ValueError, match="Fargate gives cpu 256 between 512 and 2048"):
        PARAMETERS["ecs"](cpu=256, memory=4096)
    with pytest.raises(ValueError, match=r"Container Apps pairs 0\.5 vCPU with 1Gi"):
        PARAMETERS["container_apps"](cpu=0.5, memory="2Gi")
    assert PARAMETERS["ecs"](cpu=512, memory=2048).tfvars() == {"cpu": 512, "memory": 2048}


def dockerfile_request() -> DockerfileRequest:
    return DockerfileRequest.from_inputs(
        {"service": "api", "template": "python", "language": "python", "framework": "flask", "port": 5000,
         "health_path": "/health", "cmd": ["python", "app.py"], "base_image": "python:3.12-slim-bookworm"},
        ["requirements.txt", "app.py"],
    )  # fmt: skip


def test_dockerfile_proposals_keep_the_templates_base_and_port() -> None:
    request = dockerfile_request()
    plan = template_plan(request.model_dump())
    assert plan_problems(plan, request) is None
    assert plan.template_values()["cmd"] == ["python", "app.py"]
    other = plan.model_copy(update={"base_image": "node:20-slim"})
    assert "is not python" in (plan_problems(other, request) or "")
    assert "not pinned" in (
        plan_problems(plan.model_copy(update={"base_image": "python:latest"}), request) or ""
    )
    assert "is not the port" in (plan_problems(plan.model_copy(update={"port": 80}), request) or "")
    assert (
        plan_problems(plan.model_copy(update={"base_image": "docker.io/library/python:3.13-slim"}), request)
        is None
    )
    assert image_name("registry.local/team/python:3.12") == "registry.local/team/python"
    with pytest.raises(ValueError, match="pattern"):
        DockerfilePlan(**{**plan.model_dump(), "build_steps": ["curl https://x.sh | sh"]})


DIFF = """diff --git a/svc/app.py b/svc/app.py
--- a/svc/app.py
+++ b/svc/app.py
@@ -1,3 +1,9 @@
 import requests
+API_TOKEN = "tok-1234567890"
+def charge(amount):
+    try:
+        return requests.post("https://pay/charge", json={"a": amount}, verify=False).json()
+    except:
+        print("failed")
 x = 1
-y = 2
"""


def test_the_templates_review_names_file_and_line() -> None:
    files, added, plus, minus = added_lines(DIFF)
    assert files == ["svc/app.py"] and (plus, minus) == (6, 1) and added[0].line == 2
    request = ReviewRequest(service="svc", files=files, diff=DIFF, added=plus, removed=minus)
    review = template_review(request.model_dump())
    found = {(c.line, c.kind) for c in review.comments}
    assert {(2, "security"), (5, "security"), (6, "bug"), (7, "style")} <= found, found
    assert "tok-1234567890" not in review.model_dump_json()


@pytest.fixture
async def board(redis_settings: BoardSettings) -> AsyncIterator[Board]:
    async with connect(redis_settings) as b:
        yield b


async def test_the_analysis_report_carries_an_advisory_review_that_never_gates(
    board: Board, tmp_path: Path, smollm2: Path
) -> None:
    repo = tmp_path / "svc"
    repo.mkdir()
    (repo / "requirements.txt").write_text("requests>=2\n")
    (repo / "app.py").write_text(
        "import requests\n\n\ndef ping():\n    return requests.get('https://x').ok\n"
    )
    first = await run_stage(board, Analyze(), repo)
    assert first.task.state is TaskState.SUCCEEDED
    (repo / "app.py").write_text(
        "import requests\n\n\ndef ping():\n    return requests.get('https://x', verify=False).ok  # TODO\n"
    )
    config, _, _ = resolve_config(repo)
    second = await run_stage(board, Analyze(), repo, config=config)
    assert second.task.state is TaskState.SUCCEEDED, "advice never fails the gate"
    review = second.data["review"]
    assert review["backend"] == "template" and review["comments"], review
    assert {c["kind"] for c in review["comments"]} >= {"security", "docs"}
    markdown = (await second.artifact("analyze/svc.md")).decode()
    assert "## Advisory review" in markdown and "`app.py:5` **security**" in markdown
    # the same change with the model: its comments may only name the changed file
    model = await run_stage(
        board, Analyze(), repo, config=config.model_copy(update={"ai": AI(backend="llamacpp")})
    )
    assert model.task.state is TaskState.SUCCEEDED
    review = model.data["review"]
    assert review["task"] == "review" and review["backend"] in ("llamacpp", "template"), review
    assert all(c["file"] == "app.py" for c in review["comments"])


def test_get_llm_serves_every_task_from_the_template() -> None:
    backend = get_llm().backend
    assert {"tests", "chat_intent", "dockerfile", "terraform", "review", "diagnose"} <= set(
        backend.generators  # type: ignore[attr-defined]
    )
