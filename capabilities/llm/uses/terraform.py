"""Terraform resource parameters from the model, rendered by the provision templates.

The model picks values for the sizing variables the chosen template declares (Fargate CPU and
memory, instance types, scaling limits: :mod:`..schemas.terraform`); :func:`terraform_with_model`
renders the module with them (``provision.generate.render(parameters=...)``) into a scratch
folder and validates it as the provision stage does (python-hcl2, references, checkov at
``scan.fail_on``). A module that fails is asked again once, then the template's defaults answer,
and the :class:`Generation` says which happened and why.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from .._generation import Generation
from .._llm import DETERMINISTIC, LLM, Check
from ..schemas.terraform import PARAMETERS, TerraformParameters, TerraformRequest

if TYPE_CHECKING:
    from ...config.models import OrchestraConfig, Service
    from ...provision.generate import Blueprint, GeneratedTerraform

__all__ = [
    "TASK",
    "ModelTerraform",
    "template_parameters",
    "terraform_parameters",
    "terraform_request",
    "terraform_with_model",
]

TASK = "terraform"


def template_parameters(variables: Mapping[str, Any]) -> TerraformParameters:
    """The template's answer: its own defaults."""
    request = TerraformRequest.model_validate(variables)
    return PARAMETERS[request.kind](notes=f"the {request.provider}/{request.kind} template's defaults")


def terraform_request(
    config: OrchestraConfig, service: Service, blueprint: Blueprint, language: str | None = None
) -> TerraformRequest:
    schema = PARAMETERS[blueprint.kind]
    return TerraformRequest(
        service=service.name,
        provider=blueprint.provider,
        kind=blueprint.kind,  # type: ignore[arg-type]  # the blueprint's kinds are PARAMETERS' keys
        language=language or service.language,
        framework=service.framework,
        port=service.port,
        replicas=service.replicas,
        env_names=sorted(k for k in service.env if k not in config.secrets.keys)[:50],
        defaults=schema().model_dump(mode="json", exclude={"notes"}),
    )


async def terraform_parameters(
    llm: LLM, request: TerraformRequest, *, check: Check[TerraformParameters] | None = None
) -> Generation[TerraformParameters]:
    """The parameters for ``request``'s template, judged by ``check`` (None: use them)."""
    schema = PARAMETERS[request.kind]
    if not set(schema.model_fields) - {"notes"}:  # nothing to size: no question to ask
        return Generation(template_parameters(request.model_dump()), TASK, DETERMINISTIC)
    return await llm.generate(TASK, request.model_dump(mode="json"), schema, check=check)


@dataclass(frozen=True)
class ModelTerraform:
    """The module rendered with the parameters that passed validation, and how they were chosen."""

    generated: GeneratedTerraform
    generation: Generation[TerraformParameters]

    def meta(self) -> dict[str, Any]:
        """For the result and the artifacts: the generation's facts and the values it set."""
        return {**self.generation.meta(), "parameters": self.generation.value.tfvars()}


async def terraform_with_model(
    llm: LLM,
    config: OrchestraConfig,
    service: Service,
    blueprint: Blueprint,
    *,
    folder: Path,
    scratch: Path,
    language: str | None = None,
    image: str | None = None,
    project: str | None = None,
) -> ModelTerraform:
    """Render ``blueprint`` for ``service`` into ``folder`` with the model's parameters once they
    validate in ``scratch`` (removed afterwards), else with the template's defaults."""
    from ...provision.generate import render  # the provision stage imports this module
    from ...provision.validate import validate_folder

    def rendered(parameters: TerraformParameters) -> GeneratedTerraform:
        return render(
            config, service, blueprint, image=image, project=project, parameters=parameters.tfvars()
        )

    async def validates(parameters: TerraformParameters) -> str | None:
        await anyio.to_thread.run_sync(lambda: shutil.rmtree(scratch, ignore_errors=True))
        rendered(parameters).write(scratch)
        verdict = await validate_folder(
            scratch,
            fail_on=config.scan.fail_on,
            ignore=config.scan.ignore,
            prefix=f"provision/{service.name}",
        )
        return None if verdict.ok else verdict.message(limit=3)

    try:
        generation = await terraform_parameters(
            llm, terraform_request(config, service, blueprint, language), check=validates
        )
    finally:
        await anyio.to_thread.run_sync(lambda: shutil.rmtree(scratch, ignore_errors=True))
    generated = rendered(generation.value)
    generated.write(folder)
    return ModelTerraform(generated, generation)
