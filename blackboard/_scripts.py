"""The board's Lua scripts: loaded once, called by SHA, reloaded after a Redis restart.

redis-py's ``Script`` objects check ``SCRIPT EXISTS`` before every pipeline, an extra
round trip on the hot path; here a pipeline just sends ``EVALSHA`` and only the commands
that came back ``NOSCRIPT`` are sent again after a reload.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import NoScriptError, ResponseError

from .errors import BoardError, BudgetExceeded, Fenced, NotFound

log = logging.getLogger(__name__)

NAMES = (
    "create_run",
    "claim",
    "renew",
    "complete",
    "fail",
    "reap",
    "release",
    "promote",
    "add_tasks",
    "approve",
    "cancel",
    "put_artifact",
)

Arg = str | int | bytes
Call = tuple[str, Sequence[str], Sequence[Arg]]


def _source(name: str) -> str:
    folder = resources.files("blackboard") / "scripts"
    lib = (folder / "_lib.lua").read_text()
    return lib + "\n" + (folder / f"{name}.lua").read_text()


_SOURCES = {name: _source(name) for name in NAMES}
_SHAS = {
    name: hashlib.sha1(src.encode(), usedforsecurity=False).hexdigest() for name, src in _SOURCES.items()
}


def board_error(exc: ResponseError) -> BoardError:
    """Map a script's error reply (``BOARD ...``, ``FENCED ...``, ``BUDGET ...``) to a BoardError."""
    text = str(exc)
    kind, _, message = text.partition(" ")
    if kind == "FENCED":
        return Fenced(message)
    if kind == "BUDGET":
        return BudgetExceeded(message)
    if kind == "BOARD":
        if message.startswith("no "):
            return NotFound(message)
        return BoardError(message)
    return BoardError(text)


class Scripts:
    """Calls the scripts of ``scripts/`` by name on one Redis client."""

    def __init__(self, redis: Redis, on_write: Callable[[], None] | None = None) -> None:
        self._redis = redis
        self._on_write = on_write

    async def load(self) -> None:
        for name, src in _SOURCES.items():
            sha = await self._redis.script_load(src)
            if sha != _SHAS[name]:  # pragma: no cover - a Redis that hashes differently
                raise BoardError(f"Redis returned SHA {sha} for script {name}")

    async def call(self, name: str, keys: Sequence[str], args: Sequence[Arg]) -> Any:
        return (await self.call_many([(name, keys, args)]))[0]

    async def call_many(self, calls: Sequence[Call]) -> list[Any]:
        """Run several scripts in one round trip (a pipeline); raises the first script error
        after all ran (the effects of the others stay applied)."""
        if len(calls) == 1:
            name, keys, args = calls[0]
            try:
                results = [await self._redis.evalsha(_SHAS[name], len(keys), *keys, *args)]
            except ResponseError as exc:
                results = [exc]
        else:
            pipe = self._redis.pipeline(transaction=False)
            for call in calls:
                self.queue(pipe, *call)
            results = list(await pipe.execute(raise_on_error=False))
        return await self.finish(calls, results)

    def queue(self, pipe: Pipeline, name: str, keys: Sequence[str], args: Sequence[Arg]) -> None:
        """Add a script call to a caller's pipeline; pass its reply to ``finish``."""
        pipe.evalsha(_SHAS[name], len(keys), *keys, *args)

    async def finish(self, calls: Sequence[Call], results: list[Any]) -> list[Any]:
        """Send again the calls that met a server without the scripts (it restarted), raise the
        first error, and signal the write."""
        missing = [i for i, r in enumerate(results) if isinstance(r, NoScriptError)]
        if missing:
            log.info("Lua scripts missing on the server (restarted?); loading them again")
            await self.load()
            again = await self.call_many([calls[i] for i in missing])
            for i, r in zip(missing, again, strict=True):
                results[i] = r
        if self._on_write is not None:
            self._on_write()
        for r in results:
            if isinstance(r, ResponseError):
                raise board_error(r)
        return results
