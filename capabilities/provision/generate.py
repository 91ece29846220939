"""Terraform for one service, rendered from ``infra_templates/terraform/`` (Jinja2).

Which template, by provider and runtime::

    a database service (see database_engine)   aws: rds
    runtime lambda                              aws: lambda
    runtime ec2                                 aws: ec2
    a static site (language static)             aws: s3_static (private bucket behind CloudFront)
    runtime docker                              aws: ecs (Fargate), gcp: cloud_run, azure: container_apps
    runtime kubernetes, local; provider local   nothing: deploy reaches the cluster, engine or router

Only names and references are rendered into HCL; values (the plain environment, the image, the
port) go to ``terraform.tfvars.json`` and secrets are referenced from the configured manager
(``_common/secrets.tf.j2``), so no value of a secret is ever written.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..config.models import OrchestraConfig, Service
from ..errors import TaskFailed
from ..templates import template_environment

__all__ = [
    "Blueprint",
    "GeneratedTerraform",
    "SecretRef",
    "blueprint_for",
    "database_engine",
    "render",
]

Cloud = Literal["aws", "gcp", "azure"]

DATABASE_ENGINES = {"postgres": "postgres", "postgresql": "postgres", "mysql": "mysql", "mariadb": "mariadb"}
"""``framework`` (or ``language``) values that declare a service to be a database, and its engine."""
DATABASE_NAMES = ("db", "database")
"""Service names that declare a database on their own (PostgreSQL unless ``framework`` says)."""

DEFAULT_REGION: dict[Cloud, str] = {"aws": "us-east-1", "gcp": "us-central1", "azure": "westeurope"}
_MANAGER_PROVIDER = {
    "aws-secrets-manager": "aws",
    "gcp-secret-manager": "google",
    "azure-key-vault": "azurerm",
    "vault": "vault",
}
_CLOUD_PROVIDER: dict[Cloud, str] = {"aws": "aws", "gcp": "google", "azure": "azurerm"}


@dataclass(frozen=True, slots=True)
class Blueprint:
    """Which template provisions a service, and whether its runtime is nothing without it."""

    provider: Cloud
    kind: str
    """ec2 | ecs | lambda | s3_static | rds | cloud_run | container_apps"""
    cloud_only: bool
    """The service runs only on this infrastructure (no engine, cluster or router of its own)."""

    @property
    def template(self) -> str:
        return f"{self.provider}/{self.kind}"


@dataclass(frozen=True, slots=True)
class SecretRef:
    """A secret as the templates see it: its name and HCL expressions, never its value."""

    key: str
    ident: str
    """Terraform identifier of its data source (or variable, for the env manager)."""
    slug: str
    """Its name where the manager allows only ``[A-Za-z0-9-]`` (GCP, Azure)."""
    variable: str
    """The ``sensitive`` variable that carries it with the env manager (``TF_VAR_<variable>``)."""
    value: str
    """HCL expression of the value."""
    arn: str
    """HCL expression of an ARN that AWS runtimes resolve at start (AWS variants only)."""


@dataclass(frozen=True)
class GeneratedTerraform:
    blueprint: Blueprint
    files: dict[str, str]
    """``main.tf``, ``variables.tf``, ``outputs.tf``."""
    tfvars: dict[str, Any]
    """Non-secret values only; written as ``terraform.tfvars.json``."""
    secrets: list[SecretRef] = field(default_factory=list)

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in self.files.items():
            (folder / name).write_text(text)
        (folder / "terraform.tfvars.json").write_text(
            json.dumps(self.tfvars, indent=2, sort_keys=True) + "\n"
        )
        return folder

    def secret_env(self, environ: dict[str, str] | None = None) -> dict[str, str]:
        """``TF_VAR_*`` for the env manager, from the peer's environment (for terraform only)."""
        env = dict(os.environ) if environ is None else environ
        return {f"TF_VAR_{s.variable}": env[s.key] for s in self.secrets if s.key in env}


def database_engine(service: Service) -> str | None:
    """The engine when the config declares this service to be a database, else None.

    A database is a service whose ``framework`` (or ``language``) names an engine
    (``postgres``, ``mysql``, ``mariadb``), or one named ``db`` / ``database``.
    """
    for value in (service.framework, service.language):
        if value and value.lower() in DATABASE_ENGINES:
            return DATABASE_ENGINES[value.lower()]
    return "postgres" if service.name in DATABASE_NAMES else None


def blueprint_for(config: OrchestraConfig, service: Service, language: str | None) -> Blueprint | None:
    """The template for the service, None when it needs no infrastructure of its own."""
    provider = config.deployment.provider
    runtime = service.runtime
    if provider not in ("aws", "gcp", "azure"):
        if provider == "custom":
            raise TaskFailed(
                f"service {service.name}: provider custom has no templates; "
                "give your Terraform in infrastructure.path"
            )
        return None
    cloud: Cloud = provider
    if database_engine(service):
        if cloud != "aws":
            raise TaskFailed(
                f"service {service.name} is a database: managed databases are generated for aws (RDS) "
                f"only; for {cloud} give your Terraform in infrastructure.path"
            )
        return Blueprint("aws", "rds", cloud_only=True)
    if runtime in ("ec2", "lambda"):
        if cloud != "aws":
            raise TaskFailed(
                f"service {service.name}: runtime {runtime} is AWS's; on {cloud} use runtime docker "
                f"({'Cloud Run' if cloud == 'gcp' else 'Container Apps'})"
            )
        return Blueprint("aws", runtime, cloud_only=True)
    if runtime in ("local", "kubernetes"):
        return None
    if cloud == "aws":
        if (language or service.language) == "static":
            return Blueprint("aws", "s3_static", cloud_only=True)
        return Blueprint("aws", "ecs", cloud_only=False)
    return Blueprint(cloud, "cloud_run" if cloud == "gcp" else "container_apps", cloud_only=False)


def render(
    config: OrchestraConfig,
    service: Service,
    blueprint: Blueprint,
    *,
    image: str | None = None,
    project: str | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> GeneratedTerraform:
    """Render the blueprint's templates for the service. ``parameters``: sizing values for the
    template's variables (``capabilities.llm.uses.terraform``), added to ``terraform.tfvars.json``
    without replacing a value the config gives (validation refuses an undeclared one)."""
    manager = config.secrets.manager
    # a database or a static site runs no code of the service: no secret to hand it
    wants_secrets = blueprint.kind not in ("rds", "s3_static")
    secrets = _secret_refs(config.secrets.keys, manager) if wants_secrets else []
    providers = {_CLOUD_PROVIDER[blueprint.provider]}
    if secrets and manager in _MANAGER_PROVIDER:
        providers.add(_MANAGER_PROVIDER[manager])
    name = resource_name(project or config.project.name or "app", service.name)
    context = {
        "header": f"generated by DevOps Orchestra from infra_templates/terraform/{blueprint.template}",
        "providers": providers,
        "cloud": blueprint.provider,
        "service": service.name,
        "manager": manager,
        "secrets": secrets,
        "engine": database_engine(service),
    }
    env = template_environment("terraform")
    files = {
        f: env.get_template(f"{blueprint.template}/{f}.j2").render(context)
        for f in ("main.tf", "variables.tf", "outputs.tf")
    }
    tfvars = _tfvars(config, service, blueprint, name, image)
    for key, value in (parameters or {}).items():
        tfvars.setdefault(key, value)
    return GeneratedTerraform(blueprint, files, tfvars, secrets)


def resource_name(project: str, service: str) -> str:
    """``project-service``, lower case, safe for every provider's names (at most 28 characters)."""
    raw = re.sub(r"[^a-z0-9-]+", "-", f"{project}-{service}".lower()).strip("-")
    raw = raw if raw[:1].isalpha() else f"s-{raw}"
    return raw[:28].rstrip("-")


def _tfvars(
    config: OrchestraConfig, service: Service, blueprint: Blueprint, name: str, image: str | None
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": name,
        "region": config.deployment.region or DEFAULT_REGION[blueprint.provider],
        "tags": {
            "project": config.project.name or name,
            "service": service.name,
            "managed-by": "devops-orchestra",
        },
    }
    if blueprint.kind in ("rds", "s3_static"):
        return values
    # plain environment only: the config's env never holds a secret (secrets.keys are names)
    values["environment"] = {k: _env_value(v) for k, v in service.env.items() if k not in config.secrets.keys}
    values["port"] = service.port or 8080
    values["health_path"] = service.health
    if blueprint.kind != "lambda":
        values["replicas"] = service.replicas
    if image:
        values["image"] = image
    return values


def _env_value(value: str | int | float | bool) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _secret_refs(keys: list[str], manager: str) -> list[SecretRef]:
    refs: list[SecretRef] = []
    used: set[str] = set()
    for key in keys:
        ident = re.sub(r"[^a-z0-9_]", "_", key.lower())
        ident = ident if ident[:1].isalpha() else f"s_{ident}"
        while ident in used:
            ident += "_"
        used.add(ident)
        slug = re.sub(r"[^A-Za-z0-9-]", "-", key)
        variable = f"secret_{ident}"
        value = {
            "env": f"var.{variable}",
            "aws-secrets-manager": f"data.aws_secretsmanager_secret_version.{ident}.secret_string",
            "gcp-secret-manager": f"data.google_secret_manager_secret_version.{ident}.secret_data",
            "azure-key-vault": f"data.azurerm_key_vault_secret.{ident}.value",
            "vault": f'data.vault_generic_secret.{ident}.data["value"]',
        }[manager]
        arn = (
            f"data.aws_secretsmanager_secret_version.{ident}.arn"
            if manager == "aws-secrets-manager"
            else f"aws_ssm_parameter.{ident}.arn"
        )
        refs.append(SecretRef(key, ident, slug, variable, value, arn))
    return refs
