"""The one interface to language models.

``get_llm(config.ai)`` gives an :class:`LLM`; ``await llm.generate(task, variables, Schema)``
gives a :class:`Generation` whose ``value`` is an instance of ``Schema``. Backends:
``template`` (deterministic, always there, the fallback); ``llamacpp`` and ``openai`` are
named by the config format and come in a later version (prompts in ``prompts/``, caching by
prompt hash, tracing with token counts).
"""

from ._generation import Generation, Reply
from ._llm import LLM, Backend
from .backends.template import TemplateBackend
from .errors import BackendNotAvailable, GenerationFailed, LLMError, UnknownBackend, UnknownTask
from .factory import BACKENDS, get_llm

__all__ = [
    "BACKENDS",
    "LLM",
    "Backend",
    "BackendNotAvailable",
    "Generation",
    "GenerationFailed",
    "LLMError",
    "Reply",
    "TemplateBackend",
    "UnknownBackend",
    "UnknownTask",
    "get_llm",
]
