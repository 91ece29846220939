"""The provision capability: Terraform for a service, used from the repository or generated from
``infra_templates/terraform/``, validated (python-hcl2, references, checkov), then planned and
applied with terraform where it is installed, behind an approval for protected environments."""

from .capability import SKIPPED, Provision, outputs_artifact
from .generate import Blueprint, GeneratedTerraform, blueprint_for, database_engine, render
from .terraform import Plan, Terraform
from .validate import Validation, check_references, parse_module, validate_folder

__all__ = [
    "SKIPPED",
    "Blueprint",
    "GeneratedTerraform",
    "Plan",
    "Provision",
    "Terraform",
    "Validation",
    "blueprint_for",
    "check_references",
    "database_engine",
    "outputs_artifact",
    "parse_module",
    "render",
    "validate_folder",
]
