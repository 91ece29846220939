"""`orchestra run` as a user runs it: a real process, a real directory, the embedded board.

The stages are stand-ins (tests/support/stages.py); the real ones have their own tests. What
is under test here is the command: snapshot, plan, live progress, reports, exit codes, Ctrl-C.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.peers import ROOT
from tests.support.wait import eventually_sync

FLASK_APP = """\
from flask import Flask
app = Flask(__name__)

@app.route("/health")
def health():
    return "ok"
"""


def repo(tmp_path: Path, *markers: str) -> Path:
    path = tmp_path / "shop"
    path.mkdir(parents=True)
    (path / "requirements.txt").write_text("flask\n")
    (path / "app.py").write_text(FLASK_APP)
    (path / ".gitignore").write_text("secret.env\n")
    (path / "secret.env").write_text("TOKEN=do-not-ship\n")
    for m in markers:
        (path / m).write_text("")
    return path


def orchestra(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update({"PYTHONPATH": str(ROOT), "COLUMNS": "160"})
    return subprocess.run(
        [sys.executable, "-m", "peers", "run", *args, "--load", "tests.support.stages"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def only_run(path: Path) -> Path:
    [run_dir] = (path / ".orchestra" / "runs").iterdir()
    return run_dir


@pytest.mark.timeout(180)
def test_a_run_goes_through_every_stage_and_writes_its_report(tmp_path: Path) -> None:
    path = repo(tmp_path)
    result = orchestra(str(path), "--exit")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "embedded board" in result.stdout and "run succeeded" in result.stdout
    run_dir = only_run(path)
    report = json.loads((run_dir / "report.json").read_text())
    assert report["run"]["status"] == "succeeded" and report["verdict"] == "passed"
    stages = {t["capability"] for t in report["tasks"]}
    assert stages == {"plan", "analyze", "test", "scan", "build", "deploy", "observe", "report"}
    assert "All stages passed" in (run_dir / "report.md").read_text()
    artifacts = run_dir / "artifacts"
    assert (artifacts / "config.json").is_file() and (artifacts / "plan.json").is_file()
    assert (artifacts / "report.md").is_file()  # the report task's own
    plan = json.loads((artifacts / "plan.json").read_text())
    assert plan["kind"] == "deploy" and plan["services"] == ["shop"]


@pytest.mark.timeout(180)
def test_a_failing_stage_fails_the_run_with_exit_1_and_skips_what_follows(tmp_path: Path) -> None:
    path = repo(tmp_path, "FAIL_TEST")
    result = orchestra(str(path), "--exit")
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads((only_run(path) / "report.json").read_text())
    states = {t["id"]: t["state"] for t in report["tasks"]}
    # the failed stage was diagnosed and retried once (healing); the retry failed too
    assert states["test:shop"] == "superseded" and states["diagnose:test:shop"] == "succeeded"
    assert states["test:shop:retry"] == "failed" and states["build:shop"] == "skipped"
    assert states["report"] == "succeeded"  # the report runs whatever happened
    assert "failed on purpose" in (only_run(path) / "report.md").read_text()


@pytest.mark.timeout(180)
def test_pull_request_runs_never_deploy_and_only_filters_stages(tmp_path: Path) -> None:
    path = repo(tmp_path)
    pr = orchestra(str(path), "--event", "pr", "--exit")
    assert pr.returncode == 0, pr.stdout + pr.stderr
    report = json.loads((only_run(path) / "report.json").read_text())
    assert {t["capability"] for t in report["tasks"]} == {"plan", "analyze", "test", "scan", "report"}
    only = orchestra(str(repo(tmp_path / "b")), "--only", "analyze", "--exit")
    assert only.returncode == 0 and "analyze:shop" in only.stdout and "test:shop" not in only.stdout


def test_dry_run_prints_the_plan_and_runs_nothing(tmp_path: Path) -> None:
    path = repo(tmp_path)
    result = orchestra(str(path), "--dry-run")
    assert result.returncode == 0
    assert "deploy:shop" in result.stdout and "no devops_orchestra.yaml" in result.stdout
    assert not (path / ".orchestra").exists()


def test_a_bad_config_names_the_line(tmp_path: Path) -> None:
    path = repo(tmp_path)
    (path / "devops_orchestra.yaml").write_text("deployment:\n  servcies: []\n")
    result = orchestra(str(path), "--dry-run")
    assert result.returncode == 1
    assert "devops_orchestra.yaml:2:3" in result.stderr and "did you mean 'services'" in result.stderr


@pytest.mark.timeout(180)
def test_ctrl_c_cancels_the_run_cleanly(tmp_path: Path) -> None:
    path = repo(tmp_path, "SLOW_TEST")
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update({"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"})
    out = tmp_path / "out.txt"
    with open(out, "w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "peers", "run", str(path), "--exit", "--load", "tests.support.stages"],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            eventually_sync(
                lambda: "test:shop started" in out.read_text(), timeout=60, what="the slow stage runs"
            )
            proc.send_signal(signal.SIGINT)
            assert proc.wait(30) == 130, out.read_text()
        finally:
            proc.kill()
    text = out.read_text()
    assert "cancelling the run" in text
    report = json.loads((only_run(path) / "report.json").read_text())
    assert report["run"]["status"] == "cancelled"


def test_the_snapshot_honours_gitignore(tmp_path: Path) -> None:
    path = repo(tmp_path)
    result = orchestra(str(path), "--only", "analyze", "--exit")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 files" in result.stdout  # app.py, requirements.txt, .gitignore — not secret.env
