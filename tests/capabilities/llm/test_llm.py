"""The LLM interface: the template backend's answers fit the schema; errors are clear."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from capabilities.config.models import AI
from capabilities.llm import (
    LLM,
    BackendNotAvailable,
    GenerationFailed,
    Reply,
    TemplateBackend,
    UnknownBackend,
    UnknownTask,
    get_llm,
)
from capabilities.llm.schemas import CandidateTest, GeneratedTests, TestTargets
from capabilities.test.generate import discover

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def legacy_targets() -> dict[str, Any]:
    found = discover(EXAMPLES / "legacy-python", None)
    return TestTargets(service="legacy-python", targets=found.targets).model_dump(mode="json")


async def test_template_answers_fit_the_tests_schema() -> None:
    generation = await get_llm(AI()).generate("tests", legacy_targets(), GeneratedTests)
    assert generation.backend == "template" and not generation.fell_back
    assert generation.prompt_tokens == generation.completion_tokens == 0
    tests = generation.value
    assert isinstance(tests, GeneratedTests)
    GeneratedTests.model_validate_json(tests.model_dump_json())  # round-trips through JSON as a model's would
    kinds = {c.kind for c in tests.cases}
    assert kinds == {"import", "call", "raises"}
    for case in tests.cases:
        compile(case.render("header"), case.name, "exec")
    by_name = {c.name: c for c in tests.cases}
    assert (
        "subject.bulk_price(unit_price=2.5, quantity=100)"
        in by_name["test_inventory_pricing_bulk_price_quantity_ge_100"].body
    )
    assert generation.meta()["backend"] == "template"


async def test_template_is_deterministic() -> None:
    llm = get_llm()
    first = await llm.generate("tests", legacy_targets(), GeneratedTests)
    second = await llm.generate("tests", legacy_targets(), GeneratedTests)
    assert first.value == second.value


async def test_route_smoke_tests_use_the_framework_client() -> None:
    found = discover(EXAMPLES / "fullstack" / "backend", None)
    variables = TestTargets(service="backend", framework="flask", targets=found.targets).model_dump(
        mode="json"
    )
    tests = (await get_llm().generate("tests", variables, GeneratedTests)).value
    routes = {c.target: c for c in tests.cases if c.kind == "route"}
    assert set(routes) == {
        "GET /health",
        "GET /api/greeting",
        "GET /api/items",
        "GET /api/items/<int:item_id>",
    }
    assert "client.get('/api/items/1')" in routes["GET /api/items/<int:item_id>"].body
    assert "status_code < 500" in routes["GET /health"].body
    skipped = {s.target: s.reason for s in tests.skipped}
    assert "POST /api/items" in skipped, "routes that change state get no smoke test"


def test_get_llm_errors_are_clear() -> None:
    with pytest.raises(
        UnknownBackend, match=r"unknown ai.backend 'gpt-9': expected one of template, llamacpp"
    ):
        get_llm(AI.model_construct(backend="gpt-9"))
    with pytest.raises(BackendNotAvailable, match=r"'openai' needs an endpoint: set ai.base_url"):
        get_llm(AI(backend="openai"), env={})


async def test_unknown_task() -> None:
    with pytest.raises(UnknownTask, match="no generator for task 'poem'"):
        await TemplateBackend().complete("poem", {}, GeneratedTests)


def test_the_schema_refuses_what_is_not_a_test() -> None:
    with pytest.raises(ValidationError, match="does not parse"):
        CandidateTest(name="test_x", target="m", kind="call", body="def (:")
    with pytest.raises(ValidationError, match="is not one import statement"):
        CandidateTest(
            name="test_x", target="m", kind="call", imports=["__import__('os').system('id')"], body="x = 1"
        )
    with pytest.raises(ValidationError, match="pattern"):
        CandidateTest(name="run_me", target="m", kind="call", body="x = 1")
    case = CandidateTest(name="test_x", target="m", kind="call", body="x = 1")
    with pytest.raises(ValidationError, match="unique"):
        GeneratedTests(cases=[case, case])


class Garbage:
    """A backend whose answers never fit (a model that ignores the schema)."""

    name = "garbage"

    def __init__(self) -> None:
        self.calls = 0

    async def complete(self, task: str, variables: Mapping[str, Any], schema: type[BaseModel]) -> Reply:
        self.calls += 1
        return Reply('{"cases": [{"name": "oops"}]}', prompt_tokens=10, completion_tokens=5)


async def test_an_answer_that_does_not_fit_is_retried_then_falls_back() -> None:
    garbage = Garbage()
    generation = await LLM(garbage, fallback=TemplateBackend(), attempts=2).generate(
        "tests", legacy_targets(), GeneratedTests
    )
    assert garbage.calls == 2
    assert generation.fell_back and generation.backend == "template" and generation.attempts == 2
    assert generation.prompt_tokens == 20 and "did not fit GeneratedTests" in (generation.error or "")
    assert generation.value.cases
    with pytest.raises(GenerationFailed, match="did not fit"):
        await LLM(Garbage()).generate("tests", legacy_targets(), GeneratedTests)
