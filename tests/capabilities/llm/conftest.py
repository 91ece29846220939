"""Fixtures of the model backends' tests: the real SmolLM2 model (tests/support/llm.py)."""

from tests.support.llm import llamacpp, smollm2

__all__ = ["llamacpp", "smollm2"]
