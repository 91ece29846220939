"""``get_llm(config.ai)``: the LLM the run's config (and the peer's environment) asks for.

The ``ai:`` section of ``devops_orchestra.yaml`` names the backend; the peer's environment
overrides it, since the peer knows what it has (a model file, an endpoint)::

    ORCHESTRA_AI_BACKEND     template | llamacpp | openai
    ORCHESTRA_AI_MODEL       GGUF path (llamacpp; empty: the bundled SmolLM2) or model name (openai)
    ORCHESTRA_AI_BASE_URL    the OpenAI-compatible endpoint (openai)
    ORCHESTRA_AI_API_KEY     its key (else OPENAI_API_KEY); only ever from the environment
    ORCHESTRA_AI_TIMEOUT     limit of one answer (``60s``)
    ORCHESTRA_AI_MAX_TOKENS  answer budget of every task (default: each prompt's own)
    ORCHESTRA_AI_THREADS     llama.cpp threads (default: half the cores)
    ORCHESTRA_AI_CONTEXT     llama.cpp context tokens (default 4096)

The API key is sent only to the endpoint ``ORCHESTRA_AI_BASE_URL`` names: requests to an
``ai.base_url`` that a repository's config chose carry no key.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..redact import Redactor
from ._llm import LLM
from .backends.llamacpp import LlamaCppBackend
from .backends.openai import OpenAIBackend
from .backends.template import GENERATORS, TemplateBackend
from .cache import LLMCache, Store
from .errors import BackendNotAvailable, LLMError, UnknownBackend
from .uses import TEMPLATE_ANSWERS

if TYPE_CHECKING:
    from ..config.models import AI

__all__ = ["BACKENDS", "AISettings", "get_llm", "stage_llm", "template_backend"]

log = logging.getLogger(__name__)

BACKENDS = ("template", "llamacpp", "openai")
"""Every backend the config format names."""
ENV_PREFIX = "ORCHESTRA_AI_"
GRACE_S = 5.0
"""Past a backend's own limit, how long the LLM waits before it gives up on the call."""


def template_backend() -> TemplateBackend:
    """The deterministic backend with an answer for every task."""
    return TemplateBackend({**GENERATORS, **TEMPLATE_ANSWERS})


@dataclass(frozen=True)
class AISettings:
    """The ``ai:`` section with the environment's overrides applied."""

    backend: str = "template"
    model: str | None = None
    base_url: str | None = None
    timeout_s: float = 60.0
    api_key: str | None = field(default=None, repr=False)
    max_tokens: int | None = None
    threads: int | None = None
    context: int = 4096

    @classmethod
    def resolve(cls, ai: AI, env: Mapping[str, str] | None = None) -> AISettings:
        from ..config.models import AI

        env = os.environ if env is None else env
        overrides = {
            name: value
            for name in ("backend", "model", "base_url", "timeout")
            if (value := env.get(f"{ENV_PREFIX}{name.upper()}", "").strip())
        }
        try:
            merged = AI.model_validate({**ai.model_dump(), **overrides}) if overrides else ai
        except ValueError as exc:
            raise UnknownBackend(f"the {ENV_PREFIX}* environment is not valid: {exc}") from None
        # the operator's key goes only to the operator's endpoint, never to one a repository chose
        from_env = bool(env.get(f"{ENV_PREFIX}BASE_URL", "").strip())
        key = (env.get(f"{ENV_PREFIX}API_KEY") or env.get("OPENAI_API_KEY") or None) if from_env else None
        return cls(
            backend=str(merged.backend),
            model=merged.model or None,
            base_url=merged.base_url or None,
            timeout_s=float(merged.timeout),
            api_key=key,
            max_tokens=_int(env, "MAX_TOKENS"),
            threads=_int(env, "THREADS"),
            context=_int(env, "CONTEXT") or 4096,
        )


def _int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(f"{ENV_PREFIX}{name}", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise UnknownBackend(f"{ENV_PREFIX}{name}={raw!r} is not a positive whole number")
    return int(raw)


def get_llm(
    ai: AI | None = None,
    *,
    cache: Store | None = None,
    secrets: Iterable[str] = (),
    env: Mapping[str, str] | None = None,
    attempts: int = 2,
) -> LLM:
    """The LLM for ``ai`` (None: the template backend, whatever the environment says); model
    backends fall back to the template one when their answers fail. ``cache``: the board's cache
    (``ctx.cache``); ``secrets``: the names in ``secrets.keys``, whose values are masked in every
    prompt."""
    redactor = Redactor(secrets, env)
    if ai is None:
        return LLM(template_backend(), redactor=redactor)
    settings = AISettings.resolve(ai, env)
    if settings.backend == "template":
        return LLM(template_backend(), redactor=redactor)
    backend: LlamaCppBackend | OpenAIBackend
    if settings.backend == "llamacpp":
        backend = LlamaCppBackend(
            settings.model,
            threads=settings.threads,
            context=settings.context,
            max_tokens=settings.max_tokens,
            timeout_s=settings.timeout_s,
        )
    elif settings.backend == "openai":
        if not settings.base_url:
            raise BackendNotAvailable(
                "ai.backend 'openai' needs an endpoint: set ai.base_url in devops_orchestra.yaml or "
                f"{ENV_PREFIX}BASE_URL on the peer (llama.cpp server, Ollama, vLLM, ...)"
            )
        backend = OpenAIBackend(
            settings.base_url,
            model=settings.model,
            api_key=settings.api_key,
            max_tokens=settings.max_tokens,
            timeout_s=settings.timeout_s,
        )
    else:
        raise UnknownBackend(
            f"unknown ai.backend {settings.backend!r}: expected one of {', '.join(BACKENDS)}"
        )
    return LLM(
        backend,
        fallback=template_backend(),
        attempts=attempts,
        cache=LLMCache(cache) if cache is not None else None,
        redactor=redactor,
        timeout_s=settings.timeout_s + GRACE_S,
    )


def stage_llm(
    ai: AI | None, *, cache: Store | None = None, secrets: Iterable[str] = ()
) -> tuple[LLM, str | None]:
    """For a stage: the configured LLM, or the template one with a note saying why (a model
    backend that cannot run on this peer never fails the stage)."""
    try:
        return get_llm(ai, cache=cache, secrets=secrets), None
    except LLMError as exc:
        log.info("using the template backend: %s", exc)
        return get_llm(None, secrets=secrets), f"{exc}; the template backend answered"
