"""The observe stage and the analysis every rollout uses: health, error rate and p95 latency from
the router, CPU and memory of the instances, against the config's limits."""

from .analysis import Analysis, Analyzer, Check, Limits
from .capability import Observe
from .watch import Streak, Verdict, watch

__all__ = ["Analysis", "Analyzer", "Check", "Limits", "Observe", "Streak", "Verdict", "watch"]
