"""LLM backends, one module (or package) each: ``template`` now; ``llamacpp`` and ``openai`` later."""

from .template import TemplateBackend

__all__ = ["TemplateBackend"]
