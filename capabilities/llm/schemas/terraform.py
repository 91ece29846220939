"""The ``terraform`` task: a service and the template that provisions it (the variables), and the
resource parameters the template is rendered with (the answer).

The model never writes HCL: it picks values for the sizing variables a template declares (CPU,
memory, instance type, scaling limits), each restricted to what the provider accepts; the
provision stage writes them to ``terraform.tfvars.json`` and validates the whole module (python-
hcl2, references, checkov) before anything plans it. Every class's defaults are the template's
own defaults, so the template's answer is the class with nothing set.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Provider = Literal["aws", "gcp", "azure"]
Kind = Literal["ecs", "ec2", "lambda", "rds", "s3_static", "cloud_run", "container_apps"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TerraformRequest(_Model):
    """The variables of the ``terraform`` task."""

    service: str
    provider: Provider
    kind: Kind
    """The template (``infra_templates/terraform/<provider>/<kind>/``)."""
    language: str | None = None
    framework: str | None = None
    port: int | None = None
    replicas: int = 1
    """As configured; the answer does not change it."""
    env_names: list[str] = Field(default_factory=list, max_length=50)
    """Names of the plain environment variables (never values)."""
    defaults: dict[str, Any] = Field(default_factory=dict)
    """The template's defaults for the parameters the answer may set."""


class TerraformParameters(_Model):
    """Parameters every template kind answers; subclasses add the kind's own."""

    notes: str = Field(default="", max_length=200)
    """Why these values, in a sentence."""

    def tfvars(self) -> dict[str, Any]:
        """The values that differ from the template's defaults (``terraform.tfvars.json``)."""
        defaults = type(self)()
        return {
            name: value
            for name, value in self.model_dump(exclude={"notes"}).items()
            if value != getattr(defaults, name)
        }


class EcsParameters(TerraformParameters):
    """AWS Fargate: CPU units and memory of a task, in one of Fargate's valid pairs."""

    cpu: Literal[256, 512, 1024, 2048, 4096] = 256
    memory: Literal[512, 1024, 2048, 3072, 4096, 8192, 16384] = 512
    """MiB."""

    @model_validator(mode="after")
    def _fargate_pair(self) -> EcsParameters:
        low, high = {256: (512, 2048), 512: (1024, 4096), 1024: (2048, 8192), 2048: (4096, 16384),
                     4096: (8192, 30720)}[self.cpu]  # fmt: skip
        if not low <= self.memory <= high:
            raise ValueError(f"Fargate gives cpu {self.cpu} between {low} and {high} MiB, not {self.memory}")
        return self


class Ec2Parameters(TerraformParameters):
    instance_type: Literal["t3.micro", "t3.small", "t3.medium", "t3.large", "m6i.large", "c6i.large"] = (
        "t3.small"
    )


class LambdaParameters(TerraformParameters):
    memory: int = Field(default=512, ge=128, le=10240)
    """MiB."""
    timeout: int = Field(default=30, ge=1, le=900)
    """Seconds an invocation may take."""
    concurrency: int = Field(default=10, ge=1, le=1000)


class RdsParameters(TerraformParameters):
    instance_class: Literal["db.t3.micro", "db.t3.small", "db.t3.medium", "db.m6g.large", "db.r6g.large"] = (
        "db.t3.micro"
    )
    allocated_storage: int = Field(default=20, ge=20, le=1000)
    """GiB."""


class StaticSiteParameters(TerraformParameters):
    """A private bucket behind CloudFront: nothing to size."""


class CloudRunParameters(TerraformParameters):
    max_replicas: int = Field(default=10, ge=1, le=100)
    cpu: Literal["1", "2", "4"] = "1"
    memory: Literal["512Mi", "1Gi", "2Gi", "4Gi", "8Gi"] = "512Mi"

    @model_validator(mode="after")
    def _memory_per_cpu(self) -> CloudRunParameters:
        mib = {"512Mi": 512, "1Gi": 1024, "2Gi": 2048, "4Gi": 4096, "8Gi": 8192}[self.memory]
        if mib < 512 * int(self.cpu):
            raise ValueError(f"Cloud Run needs at least {512 * int(self.cpu)} MiB for {self.cpu} CPU")
        return self


class ContainerAppsParameters(TerraformParameters):
    """Azure Container Apps: memory is twice the vCPUs, in GiB."""

    max_replicas: int = Field(default=10, ge=1, le=30)
    cpu: float = Field(default=0.5, ge=0.25, le=2.0)
    """vCPUs: half the memory's GiB (0.25 to 2 in steps of 0.25)."""
    memory: Literal["0.5Gi", "1Gi", "1.5Gi", "2Gi", "2.5Gi", "3Gi", "3.5Gi", "4Gi"] = "1Gi"

    @model_validator(mode="after")
    def _pair(self) -> ContainerAppsParameters:
        if float(self.memory.removesuffix("Gi")) != 2 * self.cpu:
            raise ValueError(
                f"Container Apps pairs {self.cpu} vCPU with {2 * self.cpu:g}Gi, not {self.memory}"
            )
        return self


PARAMETERS: dict[str, type[TerraformParameters]] = {
    "ecs": EcsParameters,
    "ec2": Ec2Parameters,
    "lambda": LambdaParameters,
    "rds": RdsParameters,
    "s3_static": StaticSiteParameters,
    "cloud_run": CloudRunParameters,
    "container_apps": ContainerAppsParameters,
}
"""Template kind -> the answer's schema."""
