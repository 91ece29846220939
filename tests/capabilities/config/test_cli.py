"""``orchestra config`` as a user runs it: a real process, real files in a temporary folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from capabilities.config import OrchestraConfig, parse_config

ROOT = Path(__file__).resolve().parents[3]
APP = (
    "import typer; from peers.cli_config import config_app; "
    "app = typer.Typer(); app.add_typer(config_app, name='config'); app()"
)

VALID = """\
project:
  name: shop
deployment:
  services:
    - name: api
      path: backend
      port: 5000
      command: [python, app.py]
      test_command: [pytest]
      language: python
      framework: flask
    - name: web
      path: frontend
      port: 3000
      command: [npm, start]
      test_command: [npm, test]
      language: node
      framework: react
      depends_on: [api]
"""
FLASK_APP = """\
from flask import Flask

app = Flask(__name__)


@app.route("/health")
def health():
    return "ok"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
"""


def orchestra_config(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-c", APP, "config", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def flask_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "shop"
    repo.mkdir()
    (repo / "requirements.txt").write_text("flask\n")
    (repo / "app.py").write_text(FLASK_APP)
    return repo


def test_validate_a_good_file(tmp_path: Path) -> None:
    config = tmp_path / "devops_orchestra.yaml"
    config.write_text(VALID)
    for target in (config, tmp_path):
        done = orchestra_config("validate", target)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"ok: {config} (2 services: api, web)"


def test_validate_a_bad_file_prints_one_line_per_problem(tmp_path: Path) -> None:
    config = tmp_path / "devops_orchestra.yaml"
    config.write_text(VALID.replace("port: 3000", "port: abc").replace("deployment:", "deploymnet:"))
    done = orchestra_config("validate", tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [f"{config}:3:1: deploymnet: unknown key (did you mean 'deployment'?)"]
    config.write_text(
        VALID.replace("port: 3000", "port: abc").replace("- name: api", "- name: api\n      helth: /")
    )
    done = orchestra_config("validate", config)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"{config}:6:7: deployment.services[0].helth: unknown key (did you mean 'health'?)",
        f"{config}:15:13: deployment.services[1].port: expected a whole number, got 'abc'",
    ]


def test_validate_a_path_that_does_not_exist(tmp_path: Path) -> None:
    done = orchestra_config("validate", tmp_path / "nope")
    assert done.returncode == 2 and "does not exist" in done.stderr


def test_validate_without_a_file_shows_what_is_inferred(flask_repo: Path) -> None:
    done = orchestra_config("validate", flask_repo)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"no devops_orchestra.yaml in {flask_repo}; inferred: 1 service: shop")
    assert "python/flask, port 5000" in done.stdout
    strict = orchestra_config("validate", flask_repo, "--strict")
    assert strict.returncode == 1 and "orchestra config init" in strict.stderr


def test_init_writes_a_starter_and_will_not_overwrite_it(flask_repo: Path) -> None:
    done = orchestra_config("init", flask_repo)
    assert done.returncode == 0, done.stderr
    assert "detected shop: python/flask at ." in done.stdout
    written = flask_repo / "devops_orchestra.yaml"
    config = parse_config(written.read_text())
    (service,) = config.deployment.services
    assert (config.project.name, service.port, service.health, service.framework) == (
        "shop",
        5000,
        "/health",
        "flask",
    )

    written.write_text("# mine\n")
    again = orchestra_config("init", flask_repo)
    assert again.returncode == 1 and "exists; use --force" in again.stderr
    assert written.read_text() == "# mine\n"
    forced = orchestra_config("init", flask_repo, "--force", "--name", "storefront")
    assert forced.returncode == 0, forced.stderr
    assert parse_config(written.read_text()).project.name == "storefront"
    assert orchestra_config("validate", flask_repo).returncode == 0


def test_schema_prints_or_writes_json_schema(tmp_path: Path) -> None:
    done = orchestra_config("schema")
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    assert schema["title"] == "devops_orchestra.yaml" and "deployment" in schema["properties"]
    out = tmp_path / "schema.json"
    written = orchestra_config("schema", "--output", out)
    assert written.returncode == 0 and json.loads(out.read_text()) == schema


def test_show_prints_the_resolved_config_and_its_notes(flask_repo: Path) -> None:
    (flask_repo / "devops_orchestra.yaml").write_text(
        "deployment:\n  services:\n    - name: web\n      port: 8080\n"
    )
    done = orchestra_config("show", flask_repo)
    assert done.returncode == 0, done.stderr
    shown = OrchestraConfig.model_validate(yaml.safe_load(done.stdout))
    assert shown.service("web").port == 8080 and shown.service("web").framework == "flask"
    assert "# web: framework flask" in done.stdout
    (flask_repo / "devops_orchestra.yaml").write_text(
        "deployment:\n  services:\n    - name: web\n      port: x\n"
    )
    bad = orchestra_config("show", flask_repo)
    assert bad.returncode == 1 and "deployment.services[0].port" in bad.stderr
