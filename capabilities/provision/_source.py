"""Where a service's Terraform comes from: the repository's ``infrastructure.path``, or generated."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from blackboard import NotFound

from ..config.models import OrchestraConfig, Service
from ..context import Context
from ..detect import detect_service
from ..errors import TaskFailed
from ..llm import stage_llm
from ..llm.uses import terraform_with_model
from ..release import Release, artifact_name
from .generate import Blueprint, GeneratedTerraform, blueprint_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    origin: Literal["repository", "generated"]
    folder: Path
    label: str
    """How findings name the folder: its path in the repository, or the artifact prefix."""
    state_key: str
    """Names the local state in the peer's cache (when the Terraform has no backend)."""
    blueprint: Blueprint | None = None
    generated: GeneratedTerraform | None = None
    ai: dict[str, Any] | None = None
    """How the resource parameters were chosen (the model, or the template's defaults)."""

    @property
    def cloud_only(self) -> bool:
        return self.blueprint.cloud_only if self.blueprint else False


async def terraform_source(
    ctx: Context, root: Path, config: OrchestraConfig, service: Service
) -> Source | str:
    """The Terraform to use, or why there is none to use (the service needs no infrastructure)."""
    project = config.project.name or root.name
    if config.infrastructure.path:
        return _repository(root, config.infrastructure.path, project, service)
    language = service.language
    if language is None:
        stack = detect_service(root / service.path, service.name, service.path)
        language = stack.language if stack else None
    blueprint = blueprint_for(config, service, language)
    if blueprint is None:
        return (
            f"nothing to provision: runtime {service.runtime} on provider {config.deployment.provider} "
            "needs no infrastructure of its own"
        )
    # the model fills the resource parameters (sizes, counts); what it proposes is rendered and
    # validated (hcl2, checkov), else the template's defaults stand
    llm, note = stage_llm(config.ai, cache=ctx.cache, secrets=config.secrets.keys)
    folder = root / ".orchestra" / "terraform" / service.name
    chosen = await terraform_with_model(
        llm,
        config,
        service,
        blueprint,
        folder=folder,
        scratch=root / ".orchestra" / "terraform-candidate" / service.name,
        language=language,
        image=await _release_image(ctx, service.name),
        project=project,
    )
    ai = {**chosen.meta(), **({"note": note} if note else {})}
    return Source(
        "generated",
        folder,
        f"provision/{service.name}",
        f"{project}/{service.name}",
        blueprint,
        chosen.generated,
        ai,
    )


def _repository(root: Path, path: str, project: str, service: Service) -> Source:
    base = (root / path).resolve()
    if not base.is_relative_to(root.resolve()) or not base.is_dir():
        raise TaskFailed(f"infrastructure.path {path!r} is not a folder of the repository")
    # a folder per service when the repository has one, else the shared folder (one state for all)
    own = base / service.name
    if own.is_dir() and any(own.glob("*.tf")):
        return Source("repository", own, f"{path.rstrip('/')}/{service.name}", f"{project}/{service.name}")
    return Source("repository", base, path.rstrip("/"), f"{project}/_shared")


async def _release_image(ctx: Context, service: str) -> str | None:
    """The image the build stage released (by digest), when there is one."""
    try:
        release = Release.model_validate_json(await ctx.get_artifact(artifact_name(service)))
    except NotFound:
        return None
    if release.kind != "image" or not release.image:
        return None
    if release.digest and "@" not in release.image:
        return f"{release.image}@{release.digest}"
    return release.image


def has_backend(folder: Path) -> bool:
    """Does the Terraform configure a backend (or Terraform Cloud)? Then state lives there."""
    from .validate import parse_module

    module = parse_module(folder)
    for tree in module.parsed.values():
        for block in tree.get("terraform", []) or []:
            if isinstance(block, dict) and ("backend" in block or "cloud" in block):
                return True
    return False


def tfvars_of(folder: Path) -> dict[str, Any]:
    path = folder / "terraform.tfvars.json"
    return dict(json.loads(path.read_text())) if path.is_file() else {}
