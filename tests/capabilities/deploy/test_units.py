"""Pure parts of deploy: the history's last healthy version, the docker container config and
usage arithmetic (no engine on this machine), the router's listen address."""

from __future__ import annotations

from pathlib import Path

import pytest

from capabilities.config.models import Service
from capabilities.deploy import AppSpec, DeployRecord, last_healthy, listen_address
from capabilities.deploy.runtimes import container_config, cpu_percent, labels, memory_mb


def record(version: str, status: str, healthy: bool = True) -> DeployRecord:
    return DeployRecord.model_validate({"version": version, "status": status, "healthy": healthy})


def test_last_healthy_skips_rolled_back_and_failed_versions() -> None:
    newest_first = [record("v3", "rolled_back", False), record("v3", "promoted"), record("v2", "promoted")]
    assert last_healthy(newest_first).version == "v2"  # type: ignore[union-attr]
    assert last_healthy(newest_first, exclude="v2") is None
    redeployed = [record("v3", "promoted"), *newest_first]  # v3 fixed and promoted again
    assert last_healthy(redeployed).version == "v3"  # type: ignore[union-attr]
    assert last_healthy([record("v1", "failed", False)]) is None


def test_container_config_labels_env_and_port() -> None:
    app = AppSpec(service="api", version="abc123", image="ghcr.io/o/api@sha256:1", container_port=5000,
                  env={"GREETING": "hi", "DB_PASSWORD": "s3cret"})  # fmt: skip
    config = container_config(
        app, project="shop", instance_id="abc123-0-x1", track="canary", replica=0, host_port=41234
    )
    assert config["image"] == "ghcr.io/o/api@sha256:1"
    assert config["name"] == "orchestra-shop-api-abc123-0-x1"
    assert config["labels"] == labels("shop", "api", "abc123", "canary", 0)
    assert config["labels"]["dev.orchestra.version"] == "abc123"
    assert config["labels"]["dev.orchestra.track"] == "canary"
    assert config["ports"] == {"5000/tcp": ("127.0.0.1", 41234)}  # loopback only
    assert config["environment"] == {
        "GREETING": "hi", "DB_PASSWORD": "s3cret", "PORT": "5000", "ORCHESTRA_VERSION": "abc123",
    }  # fmt: skip
    assert "s3cret" not in repr(app)  # the spec never shows its environment


def test_docker_usage_arithmetic() -> None:
    stats = {
        "cpu_stats": {"cpu_usage": {"total_usage": 400}, "system_cpu_usage": 2000, "online_cpus": 2},
        "precpu_stats": {"cpu_usage": {"total_usage": 200}, "system_cpu_usage": 1000},
        "memory_stats": {"usage": 300 * 2**20, "stats": {"inactive_file": 100 * 2**20}},
    }
    assert cpu_percent(stats) == 40.0
    assert memory_mb(stats) == 200.0
    assert cpu_percent({}) == 0.0


def test_listen_address(monkeypatch: pytest.MonkeyPatch) -> None:
    service = Service(name="api", port=5000)
    monkeypatch.delenv("ORCHESTRA_LOCAL_PORTS", raising=False)
    monkeypatch.delenv("ORCHESTRA_LOCAL_PORT_OFFSET", raising=False)
    assert listen_address(service) == "127.0.0.1:5000"
    monkeypatch.setenv("ORCHESTRA_LOCAL_PORT_OFFSET", "10000")
    assert listen_address(service) == "127.0.0.1:15000"
    monkeypatch.setenv("ORCHESTRA_LOCAL_PORTS", "free")
    assert listen_address(service) == "127.0.0.1:0"
    assert listen_address(Service(name="web")) == "127.0.0.1:0"


def test_nothing_is_left_without_a_project(tmp_path: Path) -> None:
    import anyio

    from capabilities.deploy import teardown

    assert anyio.run(teardown, tmp_path, "nothing-here") == []
