"""The deterministic backend: one generator per task, no model, always available.

It is the default, the fallback when a model's answer does not validate, and the reference
every model backend's output is compared with in tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel

from ..._generation import Reply
from ...errors import UnknownTask
from .chat_intent import interpret_chat
from .tests import generate_tests

__all__ = ["GENERATORS", "TemplateBackend"]

Generator = Callable[[Mapping[str, Any]], BaseModel]

GENERATORS: dict[str, Generator] = {"tests": generate_tests, "chat_intent": interpret_chat}
"""Task -> generator; a task without one here can only be answered by a model backend."""


class TemplateBackend:
    name = "template"

    def __init__(self, generators: Mapping[str, Generator] | None = None) -> None:
        self.generators = dict(GENERATORS if generators is None else generators)

    async def complete(self, task: str, variables: Mapping[str, Any], schema: type[BaseModel]) -> Reply:
        generator = self.generators.get(task)
        if generator is None:
            known = ", ".join(sorted(self.generators)) or "none"
            raise UnknownTask(f"the template backend has no generator for task {task!r} (it has: {known})")
        # the caller validates the answer against ``schema``, exactly as it does a model's JSON
        return Reply(generator(variables).model_dump(mode="json"))
