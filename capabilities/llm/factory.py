"""``get_llm(config.ai)``: the LLM the run's config asks for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._llm import LLM
from .backends.template import TemplateBackend
from .errors import BackendNotAvailable, UnknownBackend

if TYPE_CHECKING:
    from ..config.models import AI

BACKENDS = ("template", "llamacpp", "openai")
"""Every backend the config format names; only ``template`` ships in this version."""


def get_llm(ai: AI | None = None) -> LLM:
    """The LLM for ``ai.backend``; model backends fall back to the template one when they fail."""
    backend = "template" if ai is None else str(ai.backend)
    if backend == "template":
        return LLM(TemplateBackend())
    if backend in BACKENDS:
        raise BackendNotAvailable(
            f"ai.backend {backend!r} is not available in this version (only 'template' is); "
            "set `ai: {backend: template}` in devops_orchestra.yaml"
        )
    raise UnknownBackend(f"unknown ai.backend {backend!r}: expected one of {', '.join(BACKENDS)}")
