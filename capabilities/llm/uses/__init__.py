"""Where the LLM meets the stages: one module per use, each asking under its schema, judging the
answer with the real validator, and falling back to the template's answer.

``dockerfile``: Dockerfile parameters for the build templates; ``terraform``: resource
parameters for the provision templates; ``review``: advisory comments for the analysis report;
``diagnose``: an explanation that cites a known incident. :data:`TEMPLATE_ANSWERS` are their
deterministic answers, which the template backend serves (``factory.template_backend``).
"""

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel

from .diagnose import explain_failure, template_diagnosis
from .dockerfile import dockerfile_plan, plan_problems, template_plan
from .review import ReviewReport, advisory_review, review_change, template_review
from .terraform import ModelTerraform, template_parameters, terraform_parameters, terraform_with_model

__all__ = [
    "TEMPLATE_ANSWERS",
    "ModelTerraform",
    "ReviewReport",
    "advisory_review",
    "dockerfile_plan",
    "explain_failure",
    "plan_problems",
    "review_change",
    "terraform_parameters",
    "terraform_with_model",
]

TEMPLATE_ANSWERS: dict[str, Callable[[Mapping[str, Any]], BaseModel]] = {
    "dockerfile": template_plan,
    "terraform": template_parameters,
    "review": template_review,
    "diagnose": template_diagnosis,
}
"""Task -> its deterministic answer (the fallback of every model answer that fails)."""
