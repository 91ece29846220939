"""The analyze stage for real: fixture repositories, the real tools, a real board and peer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blackboard import Board, TaskState
from capabilities.analyze import Analyze
from capabilities.config import resolve_config
from tests.support.harness import StageRun, run_stage

from .conftest import write_repo

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


async def analyze(board: Board, repo: Path, **kwargs: object) -> StageRun:
    return await run_stage(board, Analyze(), repo, **kwargs)  # type: ignore[arg-type]


def failed_with(stage: StageRun, *fragments: str) -> str:
    assert stage.task.state is TaskState.FAILED, stage.task.result
    for fragment in fragments:
        assert fragment in stage.task.error, stage.task.error
    assert "Traceback" not in stage.task.error
    return stage.task.error


async def test_an_undefined_name_fails_the_gate_with_file_and_line(board: Board, tmp_path: Path) -> None:
    repo = write_repo(
        tmp_path / "svc",
        {
            "requirements.txt": "flask>=3\n",
            "app.py": """
                import flask

                app = flask.Flask(__name__)


                def handler():
                    return undefined_name
            """,
        },
    )
    stage = await analyze(board, repo)
    error = failed_with(stage, "app.py:7", "F821", "undefined_name")
    assert "quality gate" in error
    sarif = json.loads(await stage.artifact("analyze/svc.sarif"))
    results = [r for run in sarif["runs"] for r in run["results"]]
    assert any(r["ruleId"] == "F821" and r["level"] == "error" for r in results)


async def test_a_syntax_error_is_reported_with_file_line_and_column(board: Board, tmp_path: Path) -> None:
    repo = write_repo(
        tmp_path / "svc",
        {
            "requirements.txt": "",
            "main.py": "print('ok')\n",
            "pkg/__init__.py": "",
            "pkg/broken.py": "def f(:\n    pass\n",
        },
    )
    stage = await analyze(board, repo)
    failed_with(stage, "pkg/broken.py:1:7", "syntax-error", "SyntaxError")


async def test_an_undeclared_import_is_a_missing_module(board: Board, tmp_path: Path) -> None:
    repo = write_repo(
        tmp_path / "svc",
        {
            "requirements.txt": "flask>=3\nPyYAML>=6\n",
            "app.py": """
                import os

                import flask
                import yaml
                from helpers import greet

                try:
                    import ujson as json
                except ImportError:
                    import json

                import requests


                def fetch():
                    return requests.get(os.environ["URL"]), yaml, flask, greet, json
            """,
            "helpers.py": "def greet():\n    return 'hi'\n",
        },
    )
    stage = await analyze(board, repo)
    error = failed_with(stage, "app.py:12", "missing-module", "`requests`")
    for fine in ("`yaml`", "`flask`", "`helpers`", "`ujson`", "`os`"):
        assert fine not in error


async def test_a_clean_repository_passes_and_its_sarif_lists_the_warnings(
    board: Board, tmp_path: Path
) -> None:
    repo = write_repo(
        tmp_path / "svc",
        {
            "requirements.txt": "flask>=3\n",
            "app.py": """
                from flask import Flask

                app = Flask(__name__)


                def is_missing(value):
                    return value == None
            """,
            "tests/test_app.py": """
                import pytest
                from app import is_missing


                def test_missing():
                    assert is_missing(None)
                    with pytest.raises(ZeroDivisionError):
                        1 / 0
            """,
        },
    )
    stage = await analyze(board, repo)
    assert stage.task.state is TaskState.SUCCEEDED, stage.task.error
    assert stage.data["counts"] == {"error": 0, "warning": 1, "note": 0}
    assert stage.data["gate"]["passed"] is True
    assert stage.data["skipped"] == {}
    sarif = json.loads(await stage.artifact("analyze/svc.sarif"))
    assert sarif["version"] == "2.1.0"
    [result] = [r for run in sarif["runs"] for r in run["results"]]
    assert result["ruleId"] == "E711"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 7
    markdown = (await stage.artifact("analyze/svc.md")).decode()
    assert "E711" in markdown and "app.py:7" in markdown


async def test_the_repository_ruff_config_is_respected(board: Board, tmp_path: Path) -> None:
    repo = write_repo(
        tmp_path / "svc",
        {
            "requirements.txt": "",
            "ruff.toml": '[lint]\nselect = ["E", "F"]\nignore = ["E711"]\n',
            "app.py": "x = 1\nif x == None: print(x)\n",
        },
    )
    config, _, _ = resolve_config(repo)
    config.analysis.max_warnings = 0
    stage = await analyze(board, repo, config=config)
    error = failed_with(stage, "app.py:2", "E701", "analysis.max_warnings=0")
    assert "E711" not in error  # the repository turned it off


async def test_the_gate_follows_fail_on(board: Board, tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "svc", {"requirements.txt": "", "app.py": "print(undefined_name)\n"})
    config, _, _ = resolve_config(repo)
    config.analysis.fail_on = "never"
    stage = await analyze(board, repo, config=config)
    assert stage.task.state is TaskState.SUCCEEDED, stage.task.error
    assert stage.data["counts"]["error"] == 1
    assert any("F821" in f for f in stage.data["findings"])


async def test_a_node_syntax_error_is_caught(board: Board, tmp_path: Path) -> None:
    repo = write_repo(
        tmp_path / "web",
        {
            "package.json": '{"name": "web", "version": "1.0.0", "main": "server.js"}\n',
            "server.js": "const http = require('http');\n\nfunction (req) {\n  return http;\n}\n",
            "lib/esm.mjs": "export const = 1;\n",
        },
    )
    stage = await analyze(board, repo)
    failed_with(stage, "server.js:3", "lib/esm.mjs:1", "SyntaxError")
    assert stage.task.error.count("syntax-error") == 2


async def test_an_undeclared_require_is_caught(board: Board, tmp_path: Path) -> None:
    repo = write_repo(
        tmp_path / "web",
        {
            "package.json": '{"name": "web", "version": "1.0.0", "dependencies": {"@scope/ui": "1.0.0"}}\n',
            "server.js": """
                'use strict';
                // require('commented-out') is not a dependency
                const path = require('node:path');
                const fs = require('fs/promises');
                const ui = require('@scope/ui/button');
                const local = require('./local');
                const express = require('express');

                module.exports = { path, fs, ui, local, express };
            """,
            "local.js": "module.exports = {};\n",
        },
    )
    stage = await analyze(board, repo)
    error = failed_with(stage, "server.js:7", "missing-module", "`express`")
    for fine in ("commented-out", "node:path", "`fs", "@scope/ui", "./local"):
        assert fine not in error
    markdown = (await stage.artifact("analyze/web.md")).decode()
    assert "eslint skipped: not configured" in markdown


@pytest.mark.parametrize("service", ["backend", "frontend"])
async def test_the_fullstack_example_passes(board: Board, service: str) -> None:
    stage = await analyze(board, EXAMPLES / "fullstack", service=service)
    assert stage.task.state is TaskState.SUCCEEDED, stage.task.error
    assert stage.data["counts"]["error"] == 0
    assert stage.data["languages"] == (["python"] if service == "backend" else ["node"])


@pytest.mark.timeout(300)
async def test_eslint_runs_when_the_repository_configures_it(board: Board, tmp_path: Path) -> None:
    repo = write_repo(
        tmp_path / "web",
        {
            "package.json": '{"name": "web", "version": "1.0.0", "devDependencies": {"eslint": "^9.0.0"}}\n',
            "eslint.config.js": """
                module.exports = [
                  {
                    files: ["**/*.js"],
                    languageOptions: {
                      sourceType: "commonjs",
                      globals: { require: "readonly", module: "writable" },
                    },
                    rules: { "no-undef": "error", eqeqeq: "warn" },
                  },
                ];
            """,
            "index.js": "module.exports = function check(a) {\n  return a == missing;\n};\n",
        },
    )
    stage = await analyze(board, repo, timeout_s=280)
    failed_with(stage, "index.js:2", "no-undef", "'missing' is not defined")
    sarif = json.loads(await stage.artifact("analyze/web.sarif"))
    eslint = {
        r["ruleId"]: r["level"]
        for run in sarif["runs"]
        if run["tool"]["driver"]["name"] == "eslint"
        for r in run["results"]
    }
    assert eslint == {"no-undef": "error", "eqeqeq": "warning"}
