"""``build.tool``: npm and custom builds run for real, and what they made is in the release."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from blackboard import Board, TaskState
from capabilities.build import Build
from capabilities.config import OrchestraConfig, resolve_config
from capabilities.release import Release, artifact_name
from tests.support.harness import run_stage

from .conftest import Repo, failed_build

pytestmark = pytest.mark.anyio

SITE_BUILD = """
const fs = require('fs');
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.html', '<h1>built</h1>');
fs.writeFileSync('dist/app.js', 'console.log(1)');
"""
NODE_SERVICE = {
    "package.json": """
        {"name": "web", "version": "1.0.0", "main": "server.js",
         "scripts": {"start": "node server.js", "build": "node build.js"}}
    """,
    "build.js": SITE_BUILD,
    "server.js": "require('http').createServer((q, r) => r.end('ok')).listen(process.env.PORT || 3000);\n",
}
PYTHON_SERVICE = {
    "app.py": "if __name__ == '__main__':\n    print('hi')\n",
    "requirements.txt": "",
    "make_bundle.py": """
        import pathlib
        pathlib.Path('out').mkdir()
        pathlib.Path('out/app.zip').write_text('zip')
    """,
}


def with_tool(root: Path, **build: object) -> OrchestraConfig:
    config, _, _ = resolve_config(root)
    return config.model_copy(update={"build": config.build.model_copy(update=build)})


async def test_npm_builds_and_the_release_names_the_output(board: Board, repo: Repo) -> None:
    root = repo(NODE_SERVICE)
    stage = await run_stage(board, Build(), root, config=with_tool(root, tool="npm"))
    assert stage.task.state is TaskState.SUCCEEDED, stage.task.error
    release = Release.model_validate_json(await stage.artifact(artifact_name("repo")))
    assert release.kind == "local" and release.artifact == "dist"
    tool = stage.data["tool"]
    assert tool["command"] == ["npm", "run", "build"] and tool["artifact"] == "dist"
    assert set(tool["produced"]) == {"dist/index.html", "dist/app.js"}
    assert "npm built dist" in str(stage.task.result)


async def test_a_custom_command_runs_without_a_shell(board: Board, repo: Repo) -> None:
    root = repo(PYTHON_SERVICE)
    config = with_tool(root, tool="custom", command=[sys.executable, "make_bundle.py"])
    stage = await run_stage(board, Build(), root, config=config)
    assert stage.task.state is TaskState.SUCCEEDED, stage.task.error
    release = Release.model_validate_json(await stage.artifact(artifact_name("repo")))
    assert release.artifact == "out/app.zip" and stage.data["tool"]["produced"] == ["out/app.zip"]


async def test_a_failing_build_command_fails_the_task_with_its_output(board: Board, repo: Repo) -> None:
    root = repo(PYTHON_SERVICE)
    command = f"{sys.executable} -c \"import sys; print('compile error at x.py:3'); sys.exit(2)\""
    error = await failed_build(board, root, config=with_tool(root, tool="custom", command=command))
    assert "exited with 2" in error and "compile error at x.py:3" in error


async def test_a_build_that_makes_nothing_is_a_failure(board: Board, repo: Repo) -> None:
    root = repo(PYTHON_SERVICE)
    command = [sys.executable, "-c", "print('nothing')"]
    error = await failed_build(board, root, config=with_tool(root, tool="custom", command=command))
    assert "produced no artifact" in error


async def test_a_missing_tool_is_named(board: Board, repo: Repo) -> None:
    root = repo(PYTHON_SERVICE)
    config = with_tool(root, tool="custom", command="no-such-tool-x")
    assert "no-such-tool-x is not installed" in await failed_build(board, root, config=config)
