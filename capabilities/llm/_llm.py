"""The one way the project asks a language model for something.

A backend answers a *task* (``tests``, later ``dockerfile``, ``terraform``, ``review``, ...) given
the task's variables and the pydantic schema the answer must fit. :class:`LLM` validates every
answer against that schema, retries the configured backend within a budget, and falls back to
the deterministic template backend, saying so in the :class:`Generation`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ValidationError

from ._generation import Generation, Reply, T
from .errors import GenerationFailed, LLMError

log = logging.getLogger(__name__)


@runtime_checkable
class Backend(Protocol):
    """One way of producing answers: ``template`` (deterministic), later ``llamacpp``, ``openai``."""

    name: str

    async def complete(self, task: str, variables: Mapping[str, Any], schema: type[BaseModel]) -> Reply:
        """Answer ``task``; the output must fit ``schema`` (the caller validates it)."""
        ...


def _validate(schema: type[T], reply: Reply) -> T:
    if isinstance(reply.output, str):
        return schema.model_validate_json(reply.output)
    return schema.model_validate(reply.output)


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__


class LLM:
    """Ask ``backend``; validate; retry up to ``attempts``; then fall back to ``fallback``."""

    def __init__(self, backend: Backend, *, fallback: Backend | None = None, attempts: int = 2) -> None:
        self.backend = backend
        self.fallback = fallback if fallback is not None and fallback.name != backend.name else None
        self.attempts = max(1, attempts)

    @property
    def name(self) -> str:
        return self.backend.name

    async def generate(self, task: str, variables: Mapping[str, Any], schema: type[T]) -> Generation[T]:
        started = time.monotonic()
        error: str | None = None
        prompt = completion = 0
        made = 0
        for made in range(1, self.attempts + 1):
            try:
                reply = await self.backend.complete(task, variables, schema)
            except LLMError as exc:
                error = f"{self.backend.name}: {_short(exc)}"
                break
            prompt += reply.prompt_tokens
            completion += reply.completion_tokens
            try:
                value = _validate(schema, reply)
            except ValidationError as exc:
                error = f"{self.backend.name} answer {made} did not fit {schema.__name__}: {_short(exc)}"
                log.warning("%s (task %s)", error, task)
                continue
            return Generation(
                value, task, self.backend.name, False, made, time.monotonic() - started,
                prompt, completion, reply.model,
            )  # fmt: skip
        if self.fallback is None:
            raise GenerationFailed(f"task {task!r}: {error or 'no answer'}")
        log.warning("task %s falls back to the %s backend: %s", task, self.fallback.name, error)
        reply = await self.fallback.complete(task, variables, schema)
        try:
            value = _validate(schema, reply)
        except ValidationError as exc:
            raise GenerationFailed(
                f"task {task!r}: {error}; the {self.fallback.name} fallback did not fit either: {_short(exc)}"
            ) from None
        return Generation(
            value, task, self.fallback.name, True, made, time.monotonic() - started,
            prompt, completion, reply.model, error,
        )  # fmt: skip
