"""What one generation produced, and how: the validated object plus the facts a trace needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Reply:
    """A backend's raw answer, before the schema judged it."""

    output: str | dict[str, Any]
    """JSON text (a model) or an already structured object (the template backend)."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model: str | None = None


@dataclass(frozen=True, slots=True)
class Generation(Generic[T]):
    """The validated answer to one task, the backend that gave it, and whether it fell back."""

    value: T
    task: str
    backend: str
    """The backend whose output was used (``template`` after a fallback)."""
    fell_back: bool = False
    """True when the configured backend failed and the deterministic template answered."""
    attempts: int = 1
    """Calls made to the configured backend (validation failures are retried)."""
    duration_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model: str | None = None
    error: str | None = None
    """Why the configured backend's answer was not used, when it fell back."""

    def meta(self) -> dict[str, Any]:
        """The facts without the value: for results, artifacts' meta and span attributes."""
        return {
            "task": self.task,
            "backend": self.backend,
            "fell_back": self.fell_back,
            "attempts": self.attempts,
            "duration_s": round(self.duration_s, 4),
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "model": self.model,
            "error": self.error,
        }
