"""Local releases: the fullstack example's backend and frontend, re-created from their release
record the way a deploy peer does (checkout of the commit, the cached env), start and answer
their health checks."""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import pytest
from anyio.abc import Process

from blackboard import Board, BoardSettings, TaskState, connect
from capabilities.build import Build
from capabilities.config import resolve_config
from capabilities.envs import PythonEnv
from capabilities.host import default_cache_dir
from capabilities.release import Release, artifact_name
from capabilities.source import Workspaces
from tests.support.harness import run_stage
from tests.support.redis_server import free_port
from tests.support.wait import eventually

from .conftest import Repo, failed_build

pytestmark = pytest.mark.anyio
FULLSTACK = Path(__file__).resolve().parents[3] / "examples" / "fullstack"


@asynccontextmanager
async def started(argv: Sequence[str], cwd: Path, env: Mapping[str, str]) -> AsyncIterator[Process]:
    proc = await anyio.open_process(
        list(argv), cwd=cwd, env={**os.environ, **env}, start_new_session=True, stdout=None, stderr=None
    )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            os.killpg(proc.pid, signal.SIGTERM)
            with anyio.move_on_after(10):
                await proc.wait()
        if proc.returncode is None:
            os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()


async def healthy(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=1) as client:
            return (await client.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


async def checkout(release: Release, dest: Path) -> Path:
    """What a deploy peer does with a release: the commit's tree, the service's folder."""
    await Workspaces(default_cache_dir()).checkout(release.repo, release.commit, dest)
    return dest / release.path


@pytest.mark.timeout(600)
async def test_the_fullstack_backend_release_starts_and_answers_its_health(
    board: Board, tmp_path: Path
) -> None:
    stage = await run_stage(board, Build(), FULLSTACK, service="backend")
    assert stage.task.state is TaskState.SUCCEEDED, stage.task.error
    release = Release.model_validate_json(await stage.artifact(artifact_name("backend")))
    assert (release.kind, release.language, release.start) == ("local", "python", ["python", "app.py"])
    assert (release.port, release.health, release.dockerfile) == (5000, "/health", "none")
    assert release.env == {"GREETING": "hello from the backend"} and release.python_env
    assert release.version.startswith(release.commit[:7]) and stage.data["python_env"] == release.python_env

    service_dir = await checkout(release, tmp_path / "work")
    venv = PythonEnv(default_cache_dir() / "envs" / "py" / release.python_env, release.python_env, ())
    assert (venv.root / ".ready").is_file(), "the build left no ready environment behind"
    port = free_port()
    env = {**release.env, "PORT": str(port)}
    async with started(venv.command(release.start), service_dir, venv.env({**os.environ, **env})):
        await eventually(
            lambda: healthy(f"http://127.0.0.1:{port}{release.health}"), timeout=30, what="backend"
        )
        async with httpx.AsyncClient() as client:
            greeting = (await client.get(f"http://127.0.0.1:{port}/api/greeting")).json()
    assert greeting["message"] == "hello from the backend"


@pytest.mark.timeout(300)
async def test_the_fullstack_frontend_release_starts_and_answers_its_health(
    board: Board, tmp_path: Path
) -> None:
    stage = await run_stage(board, Build(), FULLSTACK, service="frontend")
    assert stage.task.state is TaskState.SUCCEEDED, stage.task.error
    release = Release.model_validate_json(await stage.artifact(artifact_name("frontend")))
    assert (release.kind, release.language, release.start) == ("local", "node", ["npm", "start"])
    assert release.node_env and release.python_env is None and release.port == 3000

    service_dir = await checkout(release, tmp_path / "work")
    port = free_port()
    async with started(release.start, service_dir, {**release.env, "PORT": str(port)}):
        await eventually(
            lambda: healthy(f"http://127.0.0.1:{port}{release.health}"), timeout=30, what="frontend"
        )


async def test_secret_names_are_recorded_and_their_values_are_not(
    redis_settings: BoardSettings, repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_TOKEN", "s3cr3t-value-never-written")
    root = repo({"app.py": "if __name__ == '__main__':\n    print('hi')\n", "requirements.txt": ""})
    config, _, _ = resolve_config(root)
    config = config.model_copy(update={"secrets": config.secrets.model_copy(update={"keys": ["API_TOKEN"]})})
    async with connect(redis_settings) as board:
        stage = await run_stage(board, Build(), root, config=config)
        assert stage.task.state is TaskState.SUCCEEDED, stage.task.error
        raw = await stage.artifact(artifact_name(config.deployment.services[0].name))
        events = await board.events.history(stage.run.id)
    release = Release.model_validate_json(raw)
    assert release.secret_names == ["API_TOKEN"] and release.start == ["python", "app.py"]
    assert b"s3cr3t" not in raw and "s3cr3t" not in repr(stage.task.result) and "s3cr3t" not in repr(events)


async def test_a_service_with_no_start_command_fails_with_what_to_set(board: Board, repo: Repo) -> None:
    root = repo({"lib.py": "VALUE = 1\n", "requirements.txt": ""})
    error = await failed_build(board, root)
    assert "command" in error and "devops_orchestra.yaml" in error
