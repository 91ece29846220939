"""Exponential backoff with jitter for the peer's loops while Redis is unreachable."""

from __future__ import annotations

import random

import anyio


class Backoff:
    def __init__(self, base_s: float = 0.05, cap_s: float = 2.0) -> None:
        self._base = base_s
        self._cap = cap_s
        self._failures = 0

    @property
    def failing(self) -> bool:
        return self._failures > 0

    def reset(self) -> None:
        self._failures = 0

    async def wait(self) -> None:
        delay = min(self._cap, self._base * 2**self._failures)
        self._failures += 1
        await anyio.sleep(delay * (0.5 + random.random() / 2))  # noqa: S311 - jitter, not crypto
