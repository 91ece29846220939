"""Errors of the LLM interface.

OrchestraError                 (blackboard.errors)
└── CapabilityError            (capabilities.errors)
    └── LLMError               a language model could not give a usable answer
        ├── UnknownBackend     ``ai.backend`` names no backend this version knows
        ├── BackendNotAvailable the backend is known but cannot run here (not built yet, no model)
        ├── UnknownTask        the backend has no generator or prompt for this task
        └── GenerationFailed   every attempt (and the fallback) gave output the schema refused
"""

from __future__ import annotations

from ..errors import CapabilityError


class LLMError(CapabilityError):
    """A language model could not give a usable answer."""


class UnknownBackend(LLMError):
    """``ai.backend`` names no backend this version knows."""


class BackendNotAvailable(LLMError):
    """The backend is known but cannot run here (not built yet, no model, no endpoint)."""


class UnknownTask(LLMError):
    """The backend has no generator or prompt for this task."""


class GenerationFailed(LLMError):
    """Every attempt, and the fallback, gave output that the task's schema refused."""
