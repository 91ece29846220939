"""The Procfile, docker-compose.yml and Dockerfile describe processes that really exist."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from peers.catalog import default_catalog

ROOT = Path(__file__).resolve().parents[1]


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def capabilities_of(argv: list[str]) -> list[str]:
    return argv[argv.index("--capabilities") + 1].split(",") if "--capabilities" in argv else []


def test_every_peer_group_serves_capabilities_that_exist() -> None:
    known = set(default_catalog().names())
    groups = {name: shlex.split(cmd) for name, cmd in procfile().items()}
    assert {"redis", "gateway", "analysis", "build", "infra", "delivery"} <= set(groups)
    served = set()
    for name, argv in groups.items():
        caps = capabilities_of(argv)
        assert set(caps) <= known, f"Procfile {name}: unknown {set(caps) - known}"
        served |= set(caps)
    # together the groups cover every stage a pipeline plans
    assert {
        "plan",
        "analyze",
        "test",
        "scan",
        "build",
        "provision",
        "deploy",
        "observe",
        "rollback",
        "report",
    } <= served


def test_compose_runs_the_same_groups_from_one_image() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"redis", "jaeger", "gateway", "analysis", "build", "infra", "delivery"} <= set(services)
    known = set(default_catalog().names())
    for name in ("gateway", "analysis", "build", "infra", "delivery"):
        svc = services[name]
        assert svc["build"] == "." and svc["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert set(capabilities_of(svc["command"])) <= known
        # the command line is one the CLI accepts
        help_run = subprocess.run(
            [sys.executable, "-m", "peers", svc["command"][0], "--help"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert help_run.returncode == 0, help_run.stderr


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
