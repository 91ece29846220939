"""Fixtures of the build tests: a real engine (Podman's API service) and registry per session,
and fixture repositories written from ``{path: text}`` tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from blackboard import Board, TaskState
from capabilities.build import Build
from capabilities.diagnose import Diagnose
from tests.capabilities.detect.conftest import write_tree
from tests.support.harness import run_stage
from tests.support.podman import ImageEngine, image_engine

Repo = Callable[..., Path]


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImageEngine]:
    """Podman + docker-registry + the local base image (minutes the first time)."""
    with image_engine(tmp_path_factory.mktemp("engine")) as found:
        yield found


@pytest.fixture
def use_engine(engine: ImageEngine, monkeypatch: pytest.MonkeyPatch) -> ImageEngine:
    """The in-process peer builds on the session's engine, from the local base image."""
    monkeypatch.setenv("DOCKER_HOST", engine.docker_host)
    monkeypatch.setenv("ORCHESTRA_BASE_IMAGE_PYTHON", engine.base_image)
    monkeypatch.setenv("ORCHESTRA_BASE_IMAGE_NODE", engine.base_image)
    return engine


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    def make(files: dict[str, str], name: str = "repo") -> Path:
        return write_tree(tmp_path / name, files)

    return make


async def failed_build(board: Board, root: Path, **options: Any) -> str:
    """Run a build that must fail; returns its error. A failed build asks for a diagnosis and
    one corrected retry (capabilities.heal), so a diagnose peer serves too, and the retry must
    fail the same way."""
    stage = await run_stage(board, Build(), root, extra=[Diagnose()], **options)
    assert stage.task.state in (TaskState.FAILED, TaskState.SUPERSEDED), stage.task.state
    tasks = {t.spec: t for t in await board.runs.tasks(stage.run.id)}
    retry = tasks.get(f"{stage.task.spec}:retry")
    if retry is not None:
        assert retry.state is TaskState.FAILED, retry.state
        assert retry.error.split("\n", 1)[0] == stage.task.error.split("\n", 1)[0]
    return stage.task.error


from tests.support.llm import llamacpp, smollm2  # noqa: E402,F401 - the real model, for test_refine
