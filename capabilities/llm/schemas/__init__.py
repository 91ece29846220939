"""The schemas of the LLM tasks: each task's variables and the shape its answer must fit."""

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
    "CandidateTest",
    "Condition",
    "FunctionTarget",
    "GeneratedTests",
    "ModuleTarget",
    "Param",
    "RouteTarget",
    "Skipped",
    "Target",
    "TestTargets",
]
