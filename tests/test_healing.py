"""Healing, end to end: a build fails on a module the requirements do not install; a diagnosis
recognises it, the corrected build adds it, and the run succeeds with the fix in its report."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.peers import ROOT

APP = """\
import importlib
import os

from flask import Flask, jsonify

# loaded by name: static analysis cannot see this import, the build's import check does
yaml = importlib.import_module("yaml")
app = Flask(__name__)


@app.route("/health")
def health():
    return jsonify(status="ok", parsed=yaml.safe_load("a: 1"))


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5000")))
"""

CONFIG = """\
deployment:
  services:
    - name: inventory
      port: 5000
pipeline:
  stages: [analyze, build, deploy]
"""


@pytest.mark.timeout(600)
def test_a_missing_module_build_failure_heals_itself(tmp_path: Path) -> None:
    repo = tmp_path / "inventory"
    repo.mkdir()
    (repo / "requirements.txt").write_text("flask>=3.0,<4\n")
    (repo / "app.py").write_text(APP)
    (repo / "devops_orchestra.yaml").write_text(CONFIG)
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update({"COLUMNS": "200", "ORCHESTRA_LOCAL_PORTS": "free"})
    result = subprocess.run(
        [sys.executable, "-m", "peers", "run", str(repo), "--exit"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=580,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    [run_dir] = (repo / ".orchestra" / "runs").iterdir()
    report = json.loads((run_dir / "report.json").read_text())
    tasks = {t["id"]: t for t in report["tasks"]}
    assert tasks["build:inventory"]["state"] == "superseded"
    assert "No module named 'yaml'" in tasks["build:inventory"]["error"]
    diagnosis = tasks["diagnose:build:inventory"]
    assert diagnosis["data"]["fixes"] == [{"kind": "add_requirement", "package": "PyYAML", "module": "yaml"}]
    assert tasks["build:inventory:retry"]["state"] == "succeeded"
    assert tasks["deploy:inventory"]["state"] == "succeeded"  # the deploy used the corrected release
    [healed] = report["healed"]
    assert healed["task"] == "build:inventory" and healed["retry_state"] == "succeeded"
    markdown = (run_dir / "report.md").read_text()
    assert "`build:inventory` healed" in markdown and "added `PyYAML` to the Python environment" in markdown
    release = json.loads((run_dir / "artifacts" / "release" / "inventory.json").read_text())
    assert release["python_extras"] == ["PyYAML"]


@pytest.mark.timeout(600)
def test_a_taken_port_heals_to_a_free_one(tmp_path: Path) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    repo = tmp_path / "inventory"
    repo.mkdir()
    (repo / "requirements.txt").write_text("flask>=3.0,<4\nPyYAML\n")
    (repo / "app.py").write_text(APP)
    (repo / "devops_orchestra.yaml").write_text(CONFIG.replace("port: 5000", f"port: {port}"))
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "ORCHESTRA_LOCAL_PORTS")}
    env["COLUMNS"] = "200"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "peers", "run", str(repo), "--exit"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=580,
        )
    finally:
        taken.close()
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    [run_dir] = (repo / ".orchestra" / "runs").iterdir()
    report = json.loads((run_dir / "report.json").read_text())
    [healed] = report["healed"]
    assert healed["task"] == "deploy:inventory" and healed["fixes"][0]["kind"] == "free_port"
    deployed = next(t for t in report["tasks"] if t["id"] == "deploy:inventory:retry")
    assert deployed["state"] == "succeeded" and not deployed["data"]["url"].endswith(f":{port}")
    assert "moved to a free port" in (run_dir / "report.md").read_text()
