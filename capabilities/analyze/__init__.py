"""The ``analyze`` stage: lint (ruff, ESLint), syntax (Python's parser, ``node --check``) and
missing modules (imports against declared dependencies), with a quality gate."""

from ._model import Outcome, Target
from .capability import Analyze, gate, languages_of, service_target
from .node import analyze_node
from .python import analyze_python

__all__ = [
    "Analyze",
    "Outcome",
    "Target",
    "analyze_node",
    "analyze_python",
    "gate",
    "languages_of",
    "service_target",
]
