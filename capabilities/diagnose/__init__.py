"""Diagnosis of failed stages: known failures (rules with fixes); retrieval and the LLM explain."""

from .capability import Diagnose
from .rules import Match, recognise

__all__ = ["Diagnose", "Match", "recognise"]
