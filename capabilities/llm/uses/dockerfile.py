"""Dockerfile parameters from the model: base image, system packages, build steps, start command,
port and health path, under :class:`DockerfilePlan`, for the build stage's templates to render.

``dockerfile_plan`` judges every proposal before it is used: the base must stay the template's
image (another pinned tag is fine) and the port the service's; the build stage's own ``check``
(render the plan, lint it with hadolint, build it) runs after that. A proposal that fails is
asked again once, then the template's own values answer, and the :class:`Generation` says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._generation import Generation
from .._llm import LLM, Check
from ..schemas.dockerfile import DockerfilePlan, DockerfileRequest

__all__ = ["TASK", "dockerfile_plan", "plan_problems", "template_plan"]

TASK = "dockerfile"


def template_plan(variables: Mapping[str, Any]) -> DockerfilePlan:
    """The template's answer: the detected values, unchanged."""
    request = DockerfileRequest.model_validate(variables)
    return DockerfilePlan(
        base_image=request.base_image,
        start_command=request.start_command,
        port=request.port,
        health_path=request.health_path,
        notes=f"the {request.template} template's values for the detected stack",
    )


def image_name(image: str) -> str:
    """``docker.io/library/python:3.12-slim`` -> ``python``: the repository, without the tag or
    Docker Hub's implicit prefixes."""
    name = image.split("@", 1)[0]
    head, sep, tail = name.rpartition(":")
    if sep and "/" not in tail:
        name = head
    for prefix in ("docker.io/", "index.docker.io/", "library/"):
        name = name.removeprefix(prefix)
    return name


def plan_problems(plan: DockerfilePlan, request: DockerfileRequest) -> str | None:
    """Why the plan cannot be rendered for this service, or None."""
    wanted = image_name(request.base_image)
    if image_name(plan.base_image) != wanted:
        return (
            f"base image {plan.base_image} is not {wanted}, the {request.template} template's base "
            "(another pinned tag of it is fine)"
        )
    if plan.base_image.rpartition(":")[2] == "latest":
        return f"base image {plan.base_image} is not pinned (hadolint DL3007)"
    if plan.port != request.port:
        return f"port {plan.port} is not the port {request.service} listens on ({request.port})"
    return None


async def dockerfile_plan(
    llm: LLM, request: DockerfileRequest, *, check: Check[DockerfilePlan] | None = None
) -> Generation[DockerfilePlan]:
    """The parameters for ``request``'s Dockerfile; ``check`` is the build stage's validation of a
    proposal (render, hadolint, build): None to use it, else why not."""

    async def judged(plan: DockerfilePlan) -> str | None:
        return plan_problems(plan, request) or (await check(plan) if check is not None else None)

    return await llm.generate(TASK, request.model_dump(mode="json"), DockerfilePlan, check=judged)
