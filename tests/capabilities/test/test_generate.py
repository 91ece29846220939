"""Generated tests: kept only when they pass and raise coverage; user files never change."""

from __future__ import annotations

import ast
import hashlib
import shutil
import textwrap
from pathlib import Path

import pytest

from blackboard import Board, TaskState
from capabilities.config import resolve_config
from capabilities.config.models import Coverage
from capabilities.envs import python_env
from capabilities.llm import get_llm
from capabilities.test import Test as TestStage
from capabilities.test.generate import candidates, discover, new_folder, select
from capabilities.test.python import EXTRAS, PythonSuite
from tests.support.harness import run_stage

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts
    }


@pytest.mark.timeout(400)
async def test_legacy_python_gets_tests_that_pass_and_raise_coverage(real_board: Board) -> None:
    before = digest(EXAMPLES / "legacy-python")
    stage = await run_stage(real_board, TestStage(), EXAMPLES / "legacy-python", timeout_s=360)
    assert stage.task.state is TaskState.SUCCEEDED, stage.task.error
    data = stage.data
    cov = data["coverage"]
    assert cov["before"] == 0.0 and cov["threshold"] == 50
    assert cov["after"] >= 50 and cov["after"] > cov["before"]
    generated = data["generated"]
    assert generated["backend"] == "template" and not generated["fell_back"]
    assert generated["prompt_tokens"] == generated["completion_tokens"] == 0
    kept = generated["kept"]
    assert kept and all(k["new_lines"] > 0 for k in kept)
    assert {k["target"] for k in kept} >= {"inventory.pricing:apply_discount", "inventory.stock:merge_counts"}
    assert any(k["kind"] == "raises" for k in kept), "apply_discount's guard gets a pytest.raises test"
    for k in kept:
        assert k["file"].startswith("orchestra_generated_tests/")
        source = (await stage.artifact(f"test/legacy-python/generated/{Path(k['file']).name}")).decode()
        assert f"def {k['name']}() -> None:" in source
        ast.parse(source)
    dropped = {d["reason"] for d in generated["dropped"]}
    assert "raised no coverage" in dropped, "a candidate that adds nothing is not kept"
    summary = (await stage.artifact("test/legacy-python/summary.md")).decode()
    assert "Generated tests (backend template)" in summary and "before generation 0.0%" in summary
    assert digest(EXAMPLES / "legacy-python") == before


UNTESTABLE = """\
    import socket


    def read_banner(host: str, port: int) -> bytes:
        with socket.create_connection((host, port), timeout=1) as conn:
            return conn.recv(64)


    def mystery(value):
        return value * 2


    def scale(value: float, factor: float = 2.0) -> float:
        if factor <= 0:
            raise ValueError("factor must be positive")
        return value * factor
    """


@pytest.mark.timeout(300)
async def test_untestable_functions_get_no_test_and_user_files_stay(tmp_path: Path, cache_dir: Path) -> None:
    service = tmp_path / "svc"
    (service / "tools").mkdir(parents=True)
    (service / "tools" / "__init__.py").write_text("")
    (service / "tools" / "net.py").write_text(textwrap.dedent(UNTESTABLE))
    (service / "tests").mkdir()
    (service / "tests" / "test_nothing.py").write_text("def test_nothing():\n    assert True\n")
    original = digest(service)

    work = tmp_path / "work"
    work.mkdir()
    venv = await python_env(service, cache_dir, extras=EXTRAS)
    suite = PythonSuite(service, venv, ["python", "-m", "pytest", "-q"], work, {"PATH": "/usr/bin:/bin"}, 120)
    baseline = await suite.run()
    assert baseline.report.count("passed") == 1 and baseline.coverage is not None
    assert baseline.coverage.percent == 0.0

    found = discover(service, baseline.coverage)
    generation = await candidates(get_llm(), "svc", found)
    skipped = {s.target: s.reason for s in generation.value.skipped}
    assert skipped["tools.net:read_banner"] == "does I/O (calls socket.create_connection)"
    assert skipped["tools.net:mystery"] == "parameter `value` has no type hint or default"

    folder = new_folder(service)
    selection = await select(suite, generation.value.cases, baseline.coverage, folder, "generated")
    targets = {k.case.target for k in selection.kept}
    assert "tools.net:scale" in targets
    assert not targets & {"tools.net:read_banner", "tools.net:mystery"}
    assert selection.after.percent > selection.before.percent
    assert {k.case.kind for k in selection.kept if k.case.target == "tools.net:scale"} == {"call", "raises"}

    after = digest(service)
    added = set(after) - set(original)
    assert {k: after[k] for k in original} == original, "user files are never changed"
    assert added == {k.file for k in selection.kept}
    assert all(a.startswith(folder.name + "/") for a in added)


async def test_a_generated_folder_never_reuses_an_existing_one(tmp_path: Path) -> None:
    (tmp_path / "orchestra_generated_tests").mkdir()
    (tmp_path / "orchestra_generated_tests" / "mine.py").write_text("x = 1\n")
    folder = new_folder(tmp_path)
    assert folder.name == "orchestra_generated_tests_2"
    assert (tmp_path / "orchestra_generated_tests" / "mine.py").read_text() == "x = 1\n"
    shutil.rmtree(folder)


@pytest.mark.timeout(400)
async def test_uncovered_flask_routes_get_smoke_tests(real_board: Board) -> None:
    # the example's own tests cover about 85 %; route smoke tests can reach about 89.6 % (the
    # rest is its __main__ block and the fault injection of its rollback demo)
    threshold = 88
    config, _, _ = resolve_config(EXAMPLES / "fullstack")
    config = config.model_copy(
        update={"testing": config.testing.model_copy(update={"coverage": Coverage(threshold=threshold)})}
    )
    stage = await run_stage(real_board, TestStage(), EXAMPLES / "fullstack", service="backend", config=config)
    assert stage.task.state is TaskState.SUCCEEDED, stage.task.error
    data = stage.data
    assert data["tests"]["passed"] == 3, "the user's own tests ran"
    assert data["coverage"]["before"] < threshold <= data["coverage"]["after"]
    kept = {k["target"]: k for k in data["generated"]["kept"]}
    assert {"GET /api/greeting", "GET /api/items"} <= set(kept)
    source = (
        await stage.artifact(f"test/backend/generated/{Path(kept['GET /api/greeting']['file']).name}")
    ).decode()
    assert "subject.app.test_client()" in source and "status_code < 500" in source
    skipped = {s["target"]: s["reason"] for s in data["generated"]["skipped"]}
    assert skipped["app:misbehave"] == "is decorated"
