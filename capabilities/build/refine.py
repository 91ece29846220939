"""The LLM's proposal for a generated Dockerfile: the model fills the template's parameters (base
image tag, system packages, build steps, start command, port, health path) under a schema; the
result is rendered through the same template and kept only if hadolint passes it. The template's
own Dockerfile stays the fallback, and the build's result says which one was used."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

from ..config.models import AI
from ..llm import LLM, LLMError, stage_llm
from ..llm.cache import Store
from ..llm.schemas import DockerfilePlan, DockerfileRequest
from ..llm.uses import dockerfile_plan
from ._hadolint import hadolint
from .dockerfile import Refiner, no_refinement, render
from .stacks._common import DockerfileInputs

log = logging.getLogger(__name__)


def with_plan(inputs: DockerfileInputs, plan: DockerfilePlan) -> DockerfileInputs:
    values = plan.template_values()
    return dataclasses.replace(
        inputs,
        port=int(values["port"]),
        health_path=str(values["health_path"]),
        cmd=tuple(values["cmd"]) or inputs.cmd,
        values={
            **inputs.values,
            "base_image": values["base_image"],
            "system_packages": values["system_packages"],
            "build_steps": values["build_steps"],
        },
    )


def model_refiner(llm: LLM, files: Sequence[str]) -> Refiner:
    async def refine(inputs: DockerfileInputs, rendered: str) -> str | None:
        del rendered  # the model fills the template's parameters; it does not edit the text
        request = DockerfileRequest.from_inputs(inputs.describe(), files)

        async def passes_hadolint(plan: DockerfilePlan) -> str | None:
            verdict = await hadolint(render(with_plan(inputs, plan)))
            if verdict is None:
                return "hadolint is not installed"
            return None if verdict.ok else verdict.summary()

        try:
            generation = await dockerfile_plan(llm, request, check=passes_hadolint)
        except LLMError as exc:  # a model that cannot answer never fails the build
            log.info(
                "Dockerfile for %s: the model did not answer (%s); the template's is used",
                inputs.service,
                exc,
            )
            return None
        log.info("Dockerfile for %s: %s", inputs.service, generation.meta())
        if generation.fell_back:
            return None
        return render(with_plan(inputs, generation.value))

    return refine


def refiner_for(
    ai: AI, cache: Store | None, secrets: Sequence[str], files: Sequence[str]
) -> tuple[Refiner, dict[str, Any]]:
    """The run's refiner: none for the template backend (its Dockerfile is the template's)."""
    if ai.backend == "template":
        return no_refinement, {"backend": "template"}
    llm, note = stage_llm(ai, cache=cache, secrets=secrets)
    if llm.name == "template":
        return no_refinement, {"backend": "template", "note": note}
    return model_refiner(llm, files), {"backend": llm.name}
