"""A config from detection: whole for a repository without one, the gaps of one that has it,
and a starter file that reads back into the same config."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from capabilities.config import (
    CONFIG_FILENAMES,
    OrchestraConfig,
    complete_config,
    infer_config,
    json_schema,
    parse_config,
    resolve_config,
    starter_yaml,
)
from capabilities.detect.model import RepoStack, ServiceStack

FLASK = ServiceStack(
    name="backend",
    path="backend",
    language="python",
    framework="flask",
    package_manager="pip",
    entry="app:app",
    start=("python", "app.py"),
    port=5000,
    health_path="/healthz",
    test_framework="pytest",
    test_command=("python", "-m", "pytest", "-q"),
    evidence=(
        "language python: requirements.txt",
        "framework flask: requirements.txt; Flask() in app.py",
        "port 5000: app.run(port=5000) in app.py",
        "health /healthz: @app.route('/healthz') in app.py",
        "start python app.py: __main__ block in app.py",
    ),
)
REACT = ServiceStack(
    name="frontend", path="frontend", language="node", framework="react", start=("npm", "start"), port=3000
)
SINGLE = RepoStack(root=Path("/src/shop"), services=(replace(FLASK, name="shop", path="."),))
MONOREPO = RepoStack(root=Path("/src/shop"), services=(REACT, FLASK))
BARE = RepoStack(
    root=Path("/src/notes"), services=(ServiceStack(name="Notes App", path=".", language="unknown"),)
)
EMPTY = RepoStack(root=Path("/src/empty"), services=())


def test_a_single_service_repository() -> None:
    config = infer_config(SINGLE)
    assert (config.project.name, config.project.language, config.project.framework) == (
        "shop",
        "python",
        "flask",
    )
    (service,) = config.deployment.services
    assert (service.name, service.path, service.port, service.health) == ("shop", ".", 5000, "/healthz")
    assert service.command == ["python", "app.py"] and service.test_command == [
        "python",
        "-m",
        "pytest",
        "-q",
    ]
    assert (service.language, service.framework, service.depends_on) == ("python", "flask", [])
    assert infer_config(SINGLE, "storefront").project.name == "storefront"


def test_a_monorepo_frontend_depends_on_its_backend() -> None:
    config = infer_config(MONOREPO)
    assert [s.name for s in config.deployment.services] == ["frontend", "backend"]
    assert config.service("frontend").depends_on == ["backend"]
    assert config.service("backend").depends_on == []
    assert config.project.language == "node"  # the first service decides
    assert config.service("frontend").health == "/health"  # nothing detected: the default


def test_what_detection_could_not_tell_stays_empty() -> None:
    (service,) = infer_config(BARE).deployment.services
    assert service.name == "notes-app"  # made a valid service name
    assert (service.language, service.port, service.command, service.test_command) == (None, None, None, None)
    assert infer_config(EMPTY).deployment.services == []


def test_completing_an_empty_config_is_inferring_it_with_notes() -> None:
    config, notes = complete_config(OrchestraConfig(), MONOREPO)
    assert config == infer_config(MONOREPO)
    assert "backend: port 5000 (detected: app.run(port=5000) in app.py)" in notes
    assert "backend: health /healthz (detected: @app.route('/healthz') in app.py)" in notes
    assert "frontend: depends_on backend (a frontend calls its backend)" in notes
    assert "frontend: port 3000 (detected)" in notes
    assert not any(n.startswith("frontend: health") for n in notes)  # the default, not a detection


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (
            {"name": "api", "path": "backend", "port": 8000, "command": "gunicorn app:app", "health": "/up"},
            {"port": 8000, "command": "gunicorn app:app", "health": "/up", "framework": "flask"},
        ),
        (
            {"name": "api", "path": "./backend/", "language": "python3", "test_command": ["tox"]},
            {"port": 5000, "language": "python3", "test_command": ["tox"], "health": "/healthz"},
        ),
        (
            {"name": "backend", "path": "server"},  # no service at that path: matched by name
            {"port": 5000, "command": ["python", "app.py"]},
        ),
        (
            {"name": "worker", "path": "worker"},  # nothing detected for it
            {"port": None, "command": None, "health": "/health"},
        ),
    ],
    ids=["keeps-written", "fills-gaps", "by-name", "unmatched"],
)
def test_complete_config_never_overwrites(written: dict[str, object], expected: dict[str, object]) -> None:
    text = yaml.safe_dump({"project": {"name": "mine"}, "deployment": {"services": [written]}})
    config, notes = complete_config(parse_config(text), MONOREPO)
    (service,) = config.deployment.services
    assert {k: getattr(service, k) for k in expected} == expected
    assert config.project.name == "mine"
    for key, value in written.items():
        assert getattr(service, key) == value
    assert not any(n.startswith(f"{service.name}: {k} ") for k in written for n in notes)


def test_complete_config_notes_each_value_it_fills() -> None:
    config = parse_config(
        "deployment:\n  services:\n    - name: api\n      path: backend\n      port: 8000\n"
    )
    completed, notes = complete_config(config, MONOREPO)
    assert completed.service("api").port == 8000
    assert "api: command python app.py (detected: __main__ block in app.py)" in notes
    assert "api: test_command python -m pytest -q (detected)" in notes
    assert "project: name shop (the repository's folder)" in notes
    assert not any(n.startswith("api: port") for n in notes)


@pytest.mark.parametrize(
    "stack", [SINGLE, MONOREPO, BARE, EMPTY], ids=["single", "monorepo", "bare", "empty"]
)
def test_the_starter_reads_back_as_the_inferred_config(stack: RepoStack) -> None:
    text = starter_yaml(stack, "shop")
    assert parse_config(text) == infer_config(stack, "shop")


def test_the_starter_has_every_section_and_a_comment_on_every_key() -> None:
    text = starter_yaml(MONOREPO, "shop")
    sections = [line.split(":")[0] for line in text.splitlines() if line and line[0].isalpha()]
    assert sections[1:] == list(OrchestraConfig.model_fields)[1:]
    assert sections[0] == "version"
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            assert " # " in line, f"no comment: {line!r}"
    assert "port: 5000" in text and "detected: app.run(port=5000) in app.py" in text
    assert "# port: 8000" not in text
    assert "# coverage: 80%" in text  # optional things are commented out


def test_the_starter_survives_names_that_need_quoting() -> None:
    text = starter_yaml(SINGLE, "yes: no # really")
    assert parse_config(text).project.name == "yes: no # really"


def test_json_schema_describes_the_file() -> None:
    schema = json_schema()
    assert (
        schema["$schema"].startswith("https://json-schema.org/")
        and schema["title"] == "devops_orchestra.yaml"
    )
    assert {"project", "deployment", "secrets", "pipeline"} <= set(schema["properties"])
    service = schema["$defs"]["Service"]["properties"]
    assert "health" in service and "health_path" in service
    timeout = schema["$defs"]["Testing"]["properties"]["timeout"]
    assert {"type": "number"} in timeout["anyOf"] and any("pattern" in o for o in timeout["anyOf"])


FLASK_APP = """\
from flask import Flask

app = Flask(__name__)


@app.route("/health")
def health():
    return "ok"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
"""


def test_resolve_config_uses_the_file_and_fills_it(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("flask\n")
    (tmp_path / "app.py").write_text(FLASK_APP)
    config, notes, inferred = resolve_config(tmp_path)
    assert inferred and notes[0] == f"no {CONFIG_FILENAMES[0]}: inferred from the repository"
    assert config.deployment.services[0].port == 5000
    (tmp_path / "devops_orchestra.yml").write_text(
        "deployment:\n  services:\n    - name: web\n      port: 8080\n"
    )
    config, notes, inferred = resolve_config(tmp_path)
    assert not inferred and config.service("web").port == 8080
    assert config.service("web").framework == "flask" and any(
        n.startswith("web: framework flask") for n in notes
    )
