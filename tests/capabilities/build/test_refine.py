"""The model's Dockerfile proposal: rendered through the same template, kept only if hadolint
passes it; the template's Dockerfile otherwise. With the real SmolLM2 model."""

from __future__ import annotations

from pathlib import Path

import pytest

from capabilities.build._hadolint import hadolint
from capabilities.build.dockerfile import no_refinement, render
from capabilities.build.refine import model_refiner, refiner_for, with_plan
from capabilities.build.stacks import dockerfile_inputs
from capabilities.config import resolve_config
from capabilities.config.models import AI
from capabilities.detect import detect
from capabilities.llm import LLM, LlamaCppBackend
from capabilities.llm.schemas import DockerfilePlan

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(300)]

BACKEND = Path(__file__).resolve().parents[3] / "examples" / "fullstack" / "backend"


def inputs():  # type: ignore[no-untyped-def]
    config, _, _ = resolve_config(BACKEND.parent)
    service = config.service("backend")
    stack = detect(BACKEND.parent).service("backend")
    return dockerfile_inputs(BACKEND, service, stack)


async def test_a_plan_with_packages_and_steps_renders_and_passes_hadolint() -> None:
    base = inputs()
    plan = DockerfilePlan(
        base_image=str(base.values["base_image"]),
        system_packages=["curl=7.88.*"],
        build_steps=["python3 -m compileall -q ."],
        start_command=list(base.cmd),
        port=base.port,
        health_path=base.health_path,
    )
    text = render(with_plan(base, plan))
    assert "apt-get install -y --no-install-recommends curl=7.88.*" in text
    assert "RUN python3 -m compileall -q ." in text
    verdict = await hadolint(text)
    assert verdict is not None and verdict.ok, verdict


async def test_the_models_proposal_is_used_only_when_it_validates(llamacpp: LlamaCppBackend) -> None:
    base = inputs()
    refine = model_refiner(LLM(llamacpp, attempts=1), ["app.py", "requirements.txt"])
    proposal = await refine(base, render(base))
    if proposal is not None:  # the model's plan passed hadolint: then it is a valid Dockerfile
        verdict = await hadolint(proposal)
        assert verdict is not None and verdict.ok
        assert f"EXPOSE {base.port}" in proposal


def test_the_template_backend_does_not_refine() -> None:
    refine, meta = refiner_for(AI(), None, [], [])
    assert refine is no_refinement and meta == {"backend": "template"}
