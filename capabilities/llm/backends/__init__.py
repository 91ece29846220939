"""LLM backends, one module (or package) each: ``template`` (deterministic), ``llamacpp`` (a GGUF
model in-process), ``openai`` (an OpenAI-compatible endpoint)."""

from .llamacpp import LlamaCppBackend
from .openai import OpenAIBackend
from .template import TemplateBackend

__all__ = ["LlamaCppBackend", "OpenAIBackend", "TemplateBackend"]
