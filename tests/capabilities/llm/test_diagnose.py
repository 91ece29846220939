"""The diagnose stage for real (a board, a peer, the real model): retrieval picks the incident, the
model's explanation cites it, the rules' fixes are what the retry applies, and a model answer that
cannot be used falls back to the template with the report saying so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from blackboard import Board, BoardSettings, TaskState, connect
from capabilities.config import resolve_config
from capabilities.config.models import AI
from capabilities.diagnose import Diagnose
from tests.support.harness import StageRun, run_stage

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(300)]

LOG = """Starting svc v2 on port 3000
node:events:495
      throw er; // Unhandled 'error' event
Error: listen EADDRINUSE: address already in use :::3000
    at Server.setupListenHandle [as _listen2] (node:net:1817:16)
"""


@pytest.fixture
async def board(redis_settings: BoardSettings) -> AsyncIterator[Board]:
    async with connect(redis_settings) as b:
        yield b


async def diagnose(board: Board, tmp_path: Path, backend: str, log: str = LOG) -> StageRun:
    repo = tmp_path / "svc"
    repo.mkdir(exist_ok=True)
    (repo / "server.js").write_text("require('http').createServer().listen(3000)\n")
    (repo / "package.json").write_text(
        '{"name": "svc", "version": "1.0.0", "scripts": {"start": "node server.js"}}\n'
    )
    config, _, _ = resolve_config(repo)
    config = config.model_copy(update={"ai": AI(backend=backend)})  # type: ignore[arg-type]
    stage = await run_stage(
        board, Diagnose(), repo, config=config, stage="deploy", inputs={"failed": "deploy:svc", "error": log}
    )
    assert stage.task.state is TaskState.SUCCEEDED, stage.task.error
    return stage


async def test_the_model_explains_the_failure_citing_the_retrieved_incident(
    board: Board, tmp_path: Path, smollm2: Path
) -> None:
    stage = await diagnose(board, tmp_path, "llamacpp")
    data = stage.data
    assert data["knowledge"][0]["id"] == "port-in-use" and data["knowledge"][0]["evidence"]
    diagnosis = data["diagnosis"]
    assert diagnosis["backend"] == "llamacpp" and not diagnosis["fell_back"], diagnosis
    assert diagnosis["incident"] == "port-in-use" and diagnosis["explanation"] and diagnosis["suggestion"]
    assert diagnosis["prompt_tokens"] > 0 and diagnosis["completion_tokens"] > 0
    assert data["fixes"] == [{"kind": "free_port", "port": 3000}] or data["fixes"] == [{"kind": "free_port"}]
    assert "The port is already in use (port-in-use)" in stage.task.result["summary"]  # type: ignore[index]
    report = (await stage.artifact("diagnose/deploy-svc.md")).decode()
    assert "Known incident cited: `port-in-use`" in report and "answered by llamacpp" in report


async def test_an_answer_that_cannot_be_used_falls_back_and_the_report_says_so(
    board: Board, tmp_path: Path, smollm2: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORCHESTRA_AI_MAX_TOKENS", "4")  # no JSON answer fits in four tokens
    stage = await diagnose(board, tmp_path, "llamacpp")
    diagnosis = stage.data["diagnosis"]
    assert (
        diagnosis["fell_back"] is True and diagnosis["backend"] == "template" and diagnosis["attempts"] == 2
    )
    assert "did not fit Diagnosis" in diagnosis["error"]
    assert diagnosis["incident"] == "port-in-use", "the template cites the best incident"
    report = (await stage.artifact("diagnose/deploy-svc.md")).decode()
    assert "answered by template after the model's answer was not used" in report
    assert "did not fit Diagnosis" in report


async def test_without_a_model_the_template_cites_the_incident_and_an_unknown_log_none(
    board: Board, tmp_path: Path
) -> None:
    stage = await diagnose(board, tmp_path, "template")
    diagnosis = stage.data["diagnosis"]
    assert diagnosis["backend"] == "template" and not diagnosis["fell_back"]
    assert diagnosis["incident"] == "port-in-use" and "Another process" in diagnosis["explanation"]
    unknown = await diagnose(board, tmp_path, "template", log="AssertionError: assert 3 == 4")
    assert unknown.data["knowledge"] == [] and unknown.data["diagnosis"]["incident"] is None
    assert unknown.data["fixes"] == []
    assert "no known cause" in unknown.task.result["summary"]  # type: ignore[index]
