"""The main job, end to end, as users run it: every stage that exists, real processes.

1. `orchestra run examples/fullstack --exit` on the embedded board;
2. the same without --exit: it serves the deployed services until Ctrl-C, then tears down;
3. the Procfile path: honcho starts Redis, the gateway and the peer groups as separate
   processes; a push is posted signed as GitHub signs it, and the run succeeds.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.peers import ROOT
from tests.support.redis_server import free_port
from tests.support.wait import eventually_sync

FULLSTACK = ROOT / "examples" / "fullstack"
STAGES = {"plan", "analyze", "test", "scan", "build", "deploy", "observe", "report"}


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    venv_bin = str(Path(sys.executable).parent)
    base.update(
        {
            "PATH": f"{venv_bin}:{base.get('PATH', '/usr/bin:/bin')}",
            "PYTHONUNBUFFERED": "1",
            "COLUMNS": "200",
            "ORCHESTRA_LOCAL_PORTS": "free",  # never the example's fixed ports in a test
        }
    )
    base.update(extra)
    return base


def copy_example(tmp_path: Path) -> Path:
    dest = tmp_path / "fullstack"
    shutil.copytree(
        FULLSTACK, dest, ignore=shutil.ignore_patterns(".orchestra", "node_modules", "__pycache__")
    )
    return dest


def report_of(path: Path) -> dict:  # type: ignore[type-arg]
    [run_dir] = (path / ".orchestra" / "runs").iterdir()
    return json.loads((run_dir / "report.json").read_text())


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.timeout(600)
def test_orchestra_run_on_the_example_passes_every_stage(tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "peers", "run", str(path), "--exit"],
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=580,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    report = report_of(path)
    assert report["verdict"] == "passed"
    assert {t["capability"] for t in report["tasks"]} == STAGES
    assert all(t["state"] == "succeeded" for t in report["tasks"])
    deploys = {t["id"]: t["data"] for t in report["tasks"] if t["capability"] == "deploy"}
    assert set(deploys) == {"deploy:backend", "deploy:frontend"}
    for data in deploys.values():
        assert not answers(data["url"] + "/health")  # --exit tore them down
    assert "stopped backend, frontend" in result.stdout


@pytest.mark.timeout(600)
def test_orchestra_run_serves_until_ctrl_c(tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    log = tmp_path / "run.log"
    with open(log, "w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "peers", "run", str(path)],
            cwd=ROOT,
            env=env(),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            eventually_sync(
                lambda: "serving; Ctrl-C to stop" in log.read_text(), timeout=500, what="the run deploys"
            )
            urls = {
                t["id"]: t["data"]["url"] for t in report_of(path)["tasks"] if t["capability"] == "deploy"
            }
            frontend = urls["deploy:frontend"]
            assert f"is up at {frontend}" in log.read_text()
            page = httpx.get(frontend + "/", timeout=5)
            assert page.status_code == 200 and "fullstack" in page.text
            # the frontend found its backend through the discovered BACKEND_URL
            greeting = httpx.get(frontend + "/api/greeting", timeout=5).json()
            assert greeting["message"] == "hello from the backend"
            proc.send_signal(signal.SIGINT)
            assert proc.wait(60) == 0, log.read_text()[-3000:]
        finally:
            proc.kill()
    assert not answers(frontend + "/health")


@pytest.mark.timeout(900)
def test_the_procfile_path_runs_a_signed_push(tmp_path: Path) -> None:
    repo = copy_example(tmp_path)
    git = ["git", "-C", str(repo)]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, timeout=30)
    subprocess.run([*git, "config", "user.email", "dev@example.com"], check=True, timeout=30)
    subprocess.run([*git, "config", "user.name", "Dev"], check=True, timeout=30)
    subprocess.run([*git, "add", "-A"], check=True, timeout=30)
    subprocess.run([*git, "commit", "-q", "-m", "first"], check=True, timeout=30)

    redis_port, gateway_port = free_port(), free_port()
    secret = "procfile-test-secret"  # pragma: allowlist secret
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        f"REDIS_URL=redis://127.0.0.1:{redis_port}/0\n"
        f"ORCHESTRA_REDIS_PORT={redis_port}\n"
        f"ORCHESTRA_GATEWAY_PORT={gateway_port}\n"
        f"ORCHESTRA_WEBHOOK_SECRET={secret}\n"
        "ORCHESTRA_API_TOKEN=procfile-test-token\n"
        "ORCHESTRA_LOG_LEVEL=INFO\n"
    )
    log = tmp_path / "honcho.log"
    honcho = shutil.which("honcho", path=env()["PATH"])
    assert honcho, "honcho is a dev dependency"
    with open(log, "w") as sink:
        proc = subprocess.Popen(
            [honcho, "-f", str(ROOT / "Procfile"), "-e", str(dotenv), "-d", str(ROOT), "start"],
            env=env(),
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{gateway_port}"
            eventually_sync(lambda: answers(base + "/readyz"), timeout=120, what="the gateway is ready")

            def peers_up() -> bool:
                peers = httpx.get(base + "/api/peers", timeout=5).json()
                caps = {c for p in peers if p["alive"] for c in p["capabilities"]}
                return STAGES - {"report"} <= caps

            eventually_sync(peers_up, timeout=120, what="every peer group registered")
            sent = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "peers",
                    "webhook",
                    "send",
                    "--event",
                    "push",
                    "--repo",
                    str(repo),
                    "--url",
                    base + "/webhooks/github",
                    "--secret",
                    secret,
                ],
                cwd=ROOT,
                env=env(),
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert sent.returncode == 0, sent.stdout + sent.stderr
            status, _, answer = sent.stdout.strip().splitlines()[-1].partition(" ")
            assert status == "202", sent.stdout
            run_id = json.loads(answer)["run"]

            def finished() -> dict | None:  # type: ignore[type-arg]
                run = httpx.get(f"{base}/api/runs/{run_id}", timeout=5).json()
                return run if run["status"] != "running" else None

            run = eventually_sync(finished, timeout=600, interval=1, what="the run finishes")
            states = {t["spec"]: t["state"] for t in run["tasks"]}
            assert run["status"] == "succeeded", states
            assert {t["capability"] for t in run["tasks"]} == STAGES
            owners = {t["owner"] for t in run["tasks"]}
            assert len(owners) >= 3  # the stages ran on the separate peer processes
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
            subprocess.run(
                [sys.executable, "-m", "peers", "down", str(repo)], cwd=ROOT, env=env(), timeout=60
            )
