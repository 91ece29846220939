"""The schemas of the LLM tasks: each task's variables and the shape its answer must fit."""

from .diagnose import Candidate, DiagnoseRequest, Diagnosis, diagnosis_schema
from .dockerfile import DockerfilePlan, DockerfileRequest
from .review import Review, ReviewComment, ReviewRequest, review_schema
from .terraform import PARAMETERS, TerraformParameters, TerraformRequest
from .tests import (
    CandidateTest,
    Condition,
    FunctionTarget,
    GeneratedTests,
    ModuleTarget,
    Param,
    RouteTarget,
    Skipped,
    Target,
    TestTargets,
)

__all__ = [
    "PARAMETERS",
    "Candidate",
    "CandidateTest",
    "Condition",
    "DiagnoseRequest",
    "Diagnosis",
    "DockerfilePlan",
    "DockerfileRequest",
    "FunctionTarget",
    "GeneratedTests",
    "ModuleTarget",
    "Param",
    "Review",
    "ReviewComment",
    "ReviewRequest",
    "RouteTarget",
    "Skipped",
    "Target",
    "TerraformParameters",
    "TerraformRequest",
    "TestTargets",
    "diagnosis_schema",
    "review_schema",
]
