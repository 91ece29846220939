"""The one way the project asks a language model for something.

A backend answers a *task* (``tests``, ``dockerfile``, ``terraform``, ``review``, ``diagnose``,
``chat_intent``) given the task's variables and the pydantic schema the answer must fit.
:class:`LLM` validates every answer against that schema (and the caller's ``check``, when it
gives one), retries the configured backend within a budget, and falls back to the deterministic
template backend, saying so in the :class:`Generation`.

Before any backend sees them, every string of the variables goes through the :class:`Redactor`
(secret values of ``secrets.keys``, token-looking strings). Model backends
(:class:`ModelBackend`) render their prompt from ``prompts/``; their answers are cached on the
board by a hash of the backend, model, prompt and schema, and each call has a time limit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, runtime_checkable

import anyio
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode
from pydantic import BaseModel, ValidationError

from ..redact import Redactor
from ._generation import Generation, Reply, T
from .cache import LLMCache, cache_key
from .errors import GenerationFailed, LLMError
from .prompts import Prompt

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)


@runtime_checkable
class Backend(Protocol):
    """One way of producing answers: ``template`` (deterministic), later ``llamacpp``, ``openai``."""

    name: str

    async def complete(self, task: str, variables: Mapping[str, Any], schema: type[BaseModel]) -> Reply:
        """Answer ``task``; the output must fit ``schema`` (the caller validates it)."""
        ...


@runtime_checkable
class ModelBackend(Backend, Protocol):
    """A backend that asks a model: its prompt is rendered once, hashed for the cache, and sent
    again on a retry with another sampling seed (``attempt``)."""

    model: str

    def prompt(self, task: str, variables: Mapping[str, Any], schema: type[BaseModel]) -> Prompt:
        """The messages for ``task`` (``prompts/<task>.j2``)."""
        ...

    async def answer(self, prompt: Prompt, schema: type[BaseModel], attempt: int = 1) -> Reply:
        """The model's answer to ``prompt``, constrained to ``schema`` where the backend can."""
        ...


Check = Callable[[T], Awaitable[str | None]]
"""Judges a model's answer that fits the schema: None to use it, else why not (a validator's
verdict: hadolint, checkov, an incident the answer should have cited)."""
DETERMINISTIC = "template"
"""The backend whose answers are the stage's own baseline: never re-judged by ``check``."""


def redact_variables(value: Any, redactor: Redactor) -> Any:
    """``value`` with every string in it (keys too) passed through ``redactor``."""
    if isinstance(value, str):
        return redactor(value)
    if isinstance(value, Mapping):
        return {redact_variables(k, redactor): redact_variables(v, redactor) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_variables(v, redactor) for v in value]
    return value


def _validate(schema: type[T], reply: Reply) -> T:
    if isinstance(reply.output, str):
        return schema.model_validate_json(reply.output)
    return schema.model_validate(reply.output)


def _short(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and exc.errors():
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "the answer"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        return f"{where}: {first.get('msg', 'invalid')}{more}"[:300]
    return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__


class LLM:
    """Ask ``backend``; validate; retry up to ``attempts``; then fall back to ``fallback``."""

    def __init__(
        self,
        backend: Backend,
        *,
        fallback: Backend | None = None,
        attempts: int = 2,
        cache: LLMCache | None = None,
        redactor: Redactor | None = None,
        timeout_s: float | None = None,
    ) -> None:
        self.backend = backend
        self.fallback = fallback if fallback is not None and fallback.name != backend.name else None
        self.attempts = max(1, attempts)
        self.cache = cache
        self.redactor = redactor if redactor is not None else Redactor()
        """Without secret names it still masks token-looking strings."""
        self.timeout_s = timeout_s
        """Limit of one call to the configured backend; None: the backend's own limit only."""

    @property
    def name(self) -> str:
        return self.backend.name

    async def generate(
        self, task: str, variables: Mapping[str, Any], schema: type[T], *, check: Check[T] | None = None
    ) -> Generation[T]:
        """The validated answer, in a span ``llm <task>`` with the backend and token counts (never
        the prompt's variables or the answer)."""
        with _tracer.start_as_current_span(
            f"llm {task}",
            attributes={"orchestra.llm.task": task, "orchestra.llm.backend": self.backend.name},
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                generation = await self._generate(task, variables, schema, check)
            except GenerationFailed:
                span.set_status(Status(StatusCode.ERROR, "generation failed"))
                raise
            span.set_attributes(
                {
                    "orchestra.llm.answered_by": generation.backend,
                    "orchestra.llm.fell_back": generation.fell_back,
                    "orchestra.llm.attempts": generation.attempts,
                    "gen_ai.usage.input_tokens": generation.prompt_tokens,
                    "gen_ai.usage.output_tokens": generation.completion_tokens,
                }
            )
            if generation.model:
                span.set_attribute("gen_ai.response.model", generation.model)
            return generation

    async def _generate(
        self, task: str, variables: Mapping[str, Any], schema: type[T], check: Check[T] | None = None
    ) -> Generation[T]:
        started = time.monotonic()
        variables = redact_variables(variables, self.redactor)
        backend = self.backend
        judge = check if backend.name != DETERMINISTIC else None
        error: str | None = None
        prompt = completion = 0
        made = 0
        message: Prompt | None = None
        key: str | None = None
        if isinstance(backend, ModelBackend):
            try:
                message = backend.prompt(task, variables, schema)
            except LLMError as exc:
                error = f"{backend.name}: {_short(exc)}"
        if message is not None and self.cache is not None and isinstance(backend, ModelBackend):
            key = cache_key(backend.name, backend.model, message, schema)
            if (cached := await self.cache.get(key)) is not None:
                value, problem = await self._judge(schema, cached, judge)
                if value is not None:
                    log.info("llm %s: %s answer from the cache", task, backend.name)
                    return Generation(value, task, backend.name, False, 0, time.monotonic() - started,
                                      0, 0, cached.model)  # fmt: skip
                log.warning("llm %s: the cached answer %s; asking again", task, problem)
        for made in range(1, self.attempts + 1) if error is None else ():  # no prompt: no call
            try:
                reply = await self._call(task, variables, schema, message, made)
            except LLMError as exc:
                error = f"{backend.name}: {_short(exc)}"
                break
            except TimeoutError:
                error = f"{backend.name}: no answer within {self.timeout_s:g} s (ai.timeout)"
                break
            prompt += reply.prompt_tokens
            completion += reply.completion_tokens
            value, problem = await self._judge(schema, reply, judge)
            if value is None:
                error = f"{backend.name} answer {made} {problem}"
                log.warning("%s (task %s)", error, task)
                continue
            if key is not None and self.cache is not None:
                await self.cache.put(key, reply)
            took = time.monotonic() - started
            log.info("llm %s: %s answered in %.2f s (%d prompt + %d completion tokens, attempt %d)",
                     task, backend.name, took, prompt, completion, made)  # fmt: skip
            return Generation(
                value, task, backend.name, False, made, took, prompt, completion, reply.model,
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

    async def _call(
        self, task: str, variables: Mapping[str, Any], schema: type[T], message: Prompt | None, attempt: int
    ) -> Reply:
        """One call to the configured backend, within ``timeout_s``."""
        with anyio.fail_after(self.timeout_s):
            if message is not None and isinstance(self.backend, ModelBackend):
                return await self.backend.answer(message, schema, attempt)
            return await self.backend.complete(task, variables, schema)

    async def _judge(
        self, schema: type[T], reply: Reply, check: Check[T] | None
    ) -> tuple[T | None, str | None]:
        """The answer as ``schema``, or why it cannot be used."""
        try:
            value = _validate(schema, reply)
        except ValidationError as exc:
            return None, f"did not fit {schema.__name__}: {_short(exc)}"
        if check is not None and (problem := await check(value)):
            return None, f"was rejected: {problem}"[:600]
        return value, None
