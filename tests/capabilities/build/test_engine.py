"""The engine side without an engine: names and tags, credentials, and the test setup's own
refusal to skip silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from capabilities.build import candidate_urls, image_tag, registry_auth, repository_name
from capabilities.build.engine import Engine, in_context
from capabilities.build.errors import NoEngine
from tests.support.podman import require_tools


def test_a_missing_podman_fails_the_setup_and_says_to_run_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(RuntimeError, match=r"podman.*not installed.*run \.ci/run"):
        require_tools()


def test_docker_host_wins_and_names_the_socket_it_could_not_reach(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/engine.sock")
    assert candidate_urls() == [f"unix://{tmp_path}/engine.sock"]
    (tmp_path / "engine.sock").write_text("")  # a stale socket file: nobody listens
    with pytest.raises(NoEngine, match=r"^no Docker-compatible engine: set DOCKER_HOST.*engine\.sock"):
        Engine.connect()


def test_image_names_and_tags_are_valid_references() -> None:
    assert repository_name("127.0.0.1:5000/", "Full Stack", "backend") == "127.0.0.1:5000/full-stack/backend"
    assert repository_name(None, "shop", "api") == "shop/api"
    assert image_tag("feature/Login") == "feature-Login"
    assert image_tag("-x") == "x" and image_tag("///") == "latest"
    assert len(image_tag("b" * 300)) == 128


def test_credentials_only_with_both_values_and_a_registry() -> None:
    env = {"ORCHESTRA_REGISTRY_USER": "ci", "ORCHESTRA_REGISTRY_PASSWORD": "pw"}
    assert registry_auth("ghcr.io/org", env) == {
        "username": "ci",
        "password": "pw",
        "serveraddress": "ghcr.io",
    }
    assert registry_auth(None, env) is None
    assert registry_auth("ghcr.io/org", {"ORCHESTRA_REGISTRY_USER": "ci"}) is None


def test_a_dockerfile_outside_the_context_is_copied_in(tmp_path: Path) -> None:
    context, elsewhere = tmp_path / "ctx", tmp_path / "work" / "svc.Dockerfile"
    (context / "sub").mkdir(parents=True)
    elsewhere.parent.mkdir()
    elsewhere.write_text("FROM scratch\n")
    (context / "sub" / "Dockerfile").write_text("FROM busybox\n")
    assert in_context(context, context / "sub" / "Dockerfile") == "sub/Dockerfile"
    assert in_context(context, elsewhere) == "Dockerfile.orchestra"
    assert (context / "Dockerfile.orchestra").read_text() == "FROM scratch\n"
