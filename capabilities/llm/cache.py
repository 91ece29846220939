"""Answers of model backends cached on the board, keyed by what determines them.

The key is a hash of the backend, the model, the rendered (already redacted) prompt, the answer
budget and the answer's JSON schema: the same question to the same model gives the cached
answer, shared by every peer of the board, without a call. Only answers that were used (they
fit the schema and passed the caller's check) are stored; a hit is validated again on read.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel

from ._generation import Reply
from .prompts import Prompt, schema_text

__all__ = ["DEFAULT_TTL_S", "LLMCache", "Store", "cache_key"]

log = logging.getLogger(__name__)

DEFAULT_TTL_S = 7 * 24 * 3600
VERSION = 1
"""Part of every key: bump it when the stored format or the meaning of a prompt changes."""


class Store(Protocol):
    """Where entries live: the board's shared cache (``ctx.cache``) has this shape."""

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes | str, ttl_s: int = DEFAULT_TTL_S) -> None: ...


def cache_key(backend: str, model: str, prompt: Prompt, schema: type[BaseModel]) -> str:
    """``llm:<sha256>`` of everything that determines an answer."""
    parts = [
        str(VERSION),
        backend,
        model,
        prompt.task,
        str(prompt.max_tokens),
        prompt.text,
        schema_text(schema),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"llm:{digest}"


@dataclass
class LLMCache:
    """Counts what it serves: ``hits`` and ``misses`` (tests and the benchmark read them)."""

    store: Store
    ttl_s: int = DEFAULT_TTL_S
    hits: int = 0
    misses: int = 0

    async def get(self, key: str) -> Reply | None:
        try:
            raw = await self.store.get(key)
        except Exception as exc:  # a cache that cannot answer is a miss, never a failed task
            log.warning("LLM cache read failed (%s): treated as a miss", type(exc).__name__)
            raw = None
        if raw is None:
            self.misses += 1
            return None
        try:
            entry = json.loads(raw)
            reply = Reply(
                output=entry["output"],
                prompt_tokens=int(entry.get("prompt_tokens", 0)),
                completion_tokens=int(entry.get("completion_tokens", 0)),
                model=entry.get("model"),
            )
        except (ValueError, KeyError, TypeError):
            log.warning("LLM cache entry %s is not readable: treated as a miss", key)
            self.misses += 1
            return None
        self.hits += 1
        return reply

    async def put(self, key: str, reply: Reply) -> None:
        entry = {
            "output": reply.output,
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "model": reply.model,
        }
        try:
            await self.store.set(key, json.dumps(entry), self.ttl_s)
        except Exception as exc:  # the answer is still good; only sharing it failed
            log.warning("LLM cache write failed (%s): the answer is not shared", type(exc).__name__)
