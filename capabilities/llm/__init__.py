"""The one interface to language models.

``get_llm(config.ai, cache=ctx.cache, secrets=config.secrets.keys)`` gives an :class:`LLM`;
``await llm.generate(task, variables, Schema, check=...)`` gives a :class:`Generation` whose
``value`` is an instance of ``Schema``. Backends: ``template`` (deterministic, always there, the
fallback), ``llamacpp`` (a GGUF model in-process through xllamacpp; SmolLM2-135M from the
``llm`` extra by default) and ``openai`` (any OpenAI-compatible endpoint). Prompts live in
``prompts/``; answers are constrained to the schema, cached on the board by prompt hash, timed,
counted in tokens, and every prompt is redacted. ``uses`` holds what the stages ask.
"""

from ._generation import Generation, Reply
from ._llm import DETERMINISTIC, LLM, Backend, Check, ModelBackend, redact_variables
from .backends.llamacpp import LlamaCppBackend, bundled_model
from .backends.openai import OpenAIBackend
from .backends.template import TemplateBackend
from .cache import LLMCache, cache_key
from .errors import BackendNotAvailable, GenerationFailed, LLMError, UnknownBackend, UnknownTask
from .factory import BACKENDS, AISettings, get_llm, stage_llm, template_backend
from .prompts import Prompt, render_prompt

__all__ = [
    "BACKENDS",
    "DETERMINISTIC",
    "LLM",
    "AISettings",
    "Backend",
    "BackendNotAvailable",
    "Check",
    "Generation",
    "GenerationFailed",
    "LLMCache",
    "LLMError",
    "LlamaCppBackend",
    "ModelBackend",
    "OpenAIBackend",
    "Prompt",
    "Reply",
    "TemplateBackend",
    "UnknownBackend",
    "UnknownTask",
    "bundled_model",
    "cache_key",
    "get_llm",
    "redact_variables",
    "render_prompt",
    "stage_llm",
    "template_backend",
]
