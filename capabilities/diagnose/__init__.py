"""Diagnosis of failed stages: known failures (rules with fixes), retrieval over the knowledge
base of known incidents, and the LLM's explanation that cites one."""

from .capability import Diagnose
from .retrieval import Hit, Incident, KnowledgeBase, knowledge_base, load_incidents
from .rules import Match, recognise

__all__ = [
    "Diagnose",
    "Hit",
    "Incident",
    "KnowledgeBase",
    "Match",
    "knowledge_base",
    "load_incidents",
    "recognise",
]
