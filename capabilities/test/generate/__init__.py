"""Tests generated where coverage is missing: discover targets, ask the LLM interface for
candidates, keep only those that pass and raise coverage."""

from .candidates import TASK, candidates
from .discover import Discovery, discover
from .keep import Dropped, Kept, Selection, new_folder, select

__all__ = [
    "TASK",
    "Discovery",
    "Dropped",
    "Kept",
    "Selection",
    "candidates",
    "discover",
    "new_folder",
    "select",
]
