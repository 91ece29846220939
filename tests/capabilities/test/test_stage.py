"""The test stage for real: pytest and node --test under coverage, failures, flaky reruns."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from blackboard import Board, TaskState
from capabilities.config import models
from capabilities.test import Test as TestStage
from capabilities.test.junit import parse
from tests.support.harness import run_stage

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def python_repo(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    (root / "requirements.txt").write_text("")
    return root


def config_for(name: str, **testing: object) -> models.OrchestraConfig:
    retry = bool(testing.pop("retry_on_failure", False))
    return models.OrchestraConfig.model_validate(
        {
            "deployment": {"services": [models.Service(name=name, language="python").model_dump()]},
            "testing": models.Testing.model_validate(testing).model_dump(),
            "pipeline": models.Pipeline(retry_on_failure=retry).model_dump(),
        }
    )


@pytest.mark.timeout(400)
async def test_backend_tests_run_with_coverage(real_board: Board) -> None:
    stage = await run_stage(real_board, TestStage(), EXAMPLES / "fullstack", service="backend", timeout_s=360)
    assert stage.task.state is TaskState.SUCCEEDED, stage.task.error
    data = stage.data
    assert data["runner"] == "pytest"
    assert data["tests"]["total"] == data["tests"]["passed"] == 3
    assert data["coverage"]["tool"] == "coverage.py"
    assert 60 <= data["coverage"]["percent"] < 100
    junit = parse(await stage.artifact("test/backend/junit.xml"))
    assert {c.id for c in junit.cases} >= {"tests/test_app.py::test_health"}
    assert all(c.outcome == "passed" for c in junit.cases)
    coverage = json.loads(await stage.artifact("test/backend/coverage.json"))
    assert set(coverage["files"]) == {"app.py"}, "tests are not counted as code under test"
    assert coverage["percent"] == data["coverage"]["percent"]
    summary = (await stage.artifact("test/backend/summary.md")).decode()
    assert "| 3 | 3 | 0 | 0 | 0 | 0 |" in summary
    assert not data["generated"], "coverage is above the threshold: nothing to generate"


@pytest.mark.timeout(300)
async def test_a_failing_test_fails_the_stage_with_its_message(real_board: Board, tmp_path: Path) -> None:
    repo = python_repo(
        tmp_path / "calc",
        {
            "calc.py": "def add(a, b):\n    return a + b\n",
            "tests/test_calc.py": """\
                import pytest
                from calc import add


                def test_add():
                    assert add(1, 2) == 3


                def test_add_wrong():
                    assert add(1, 2) == 4, "add is off by one"
                """,
        },
    )
    stage = await run_stage(real_board, TestStage(), repo, config=config_for("calc"), timeout_s=240)
    assert stage.task.state is TaskState.FAILED, stage.task.result
    error = stage.task.error or ""
    assert "1 of 2 test(s) of calc failed" in error
    assert "tests/test_calc.py::test_add_wrong (tests/test_calc.py:10)" in error
    assert "add is off by one" in error
    assert "test/calc/junit.xml" in stage.artifacts and "test/calc/summary.md" in stage.artifacts


@pytest.mark.timeout(300)
async def test_retry_on_failure_reports_a_flaky_test(real_board: Board, tmp_path: Path) -> None:
    marker = tmp_path / "ran-once"
    repo = python_repo(
        tmp_path / "flaky",
        {
            "tests/test_flaky.py": f"""\
                from pathlib import Path

                import pytest

                MARKER = Path({str(marker)!r})


                def test_stable():
                    assert True


                def test_flaky():
                    first = not MARKER.exists()
                    MARKER.touch()
                    assert not first, "fails the first time only"
                """,
        },
    )
    config = config_for("flaky", retry_on_failure=True)
    stage = await run_stage(real_board, TestStage(), repo, config=config, timeout_s=240)
    assert stage.task.state is TaskState.SUCCEEDED, stage.task.error
    data = stage.data
    assert [f["id"] for f in data["flaky"]] == ["tests/test_flaky.py::test_flaky"]
    assert "fails the first time only" in data["flaky"][0]["message"]
    assert data["tests"]["passed"] == 2 and data["tests"]["failed"] == 0
    assert "1 flaky" in (stage.task.result or {})["summary"]
    summary = (await stage.artifact("test/flaky/summary.md")).decode()
    assert "Flaky" in summary and "test_flaky" in summary


@pytest.mark.timeout(300)
async def test_frontend_runs_node_test_with_coverage(real_board: Board) -> None:
    stage = await run_stage(
        real_board, TestStage(), EXAMPLES / "fullstack", service="frontend", timeout_s=240
    )
    assert stage.task.state is TaskState.SUCCEEDED, stage.task.error
    data = stage.data
    assert data["runner"] == "node"
    assert data["tests"]["total"] == data["tests"]["passed"] == 2
    assert data["coverage"]["tool"].startswith("node")
    coverage = json.loads(await stage.artifact("test/frontend/coverage.json"))
    assert set(coverage["files"]) == {"server.js"}, "test files are not counted"
    assert 0 < coverage["percent"] < 100
    junit = parse(await stage.artifact("test/frontend/junit.xml"))
    assert {c.name for c in junit.cases} == {"health answers ok", "serves the index page"}
