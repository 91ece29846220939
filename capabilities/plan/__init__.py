"""Planning: what started a run, and the DAG it gets."""

from .planner import PlannedRun, plan
from .start import PLAN_BUDGET, start_pipeline
from .trigger import ZERO_SHA, Trigger

__all__ = ["PLAN_BUDGET", "ZERO_SHA", "PlannedRun", "Trigger", "plan", "start_pipeline"]
