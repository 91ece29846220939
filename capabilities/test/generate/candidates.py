"""Candidate tests for what discovery found, asked of the LLM interface (task ``tests``)."""

from __future__ import annotations

from dataclasses import replace

from ...llm import LLM, Generation
from ...llm.schemas import GeneratedTests, Skipped, TestTargets
from .discover import Discovery

TASK = "tests"


async def candidates(llm: LLM, service: str, found: Discovery) -> Generation[GeneratedTests]:
    """The backend's candidates; discovery's own skips are added to the answer's."""
    framework = next(iter(sorted(found.frameworks)), None)
    request = TestTargets(service=service, framework=framework, targets=found.targets)
    generation = await llm.generate(TASK, request.model_dump(mode="json"), GeneratedTests)
    skipped: list[Skipped] = [*found.skipped, *generation.value.skipped]
    value = generation.value.model_copy(update={"skipped": skipped})
    return replace(generation, value=value)
