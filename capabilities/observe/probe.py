"""Synthetic traffic during an analysis: GET requests to a service's ``probe`` paths through its
router, at a steady rate, so a canary is judged on requests even when no user sends any (the
role Flagger's load tester plays). Bounded: it stops with the analysis that started it."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import anyio
import httpx

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Probe:
    base_url: str
    paths: Sequence[str]
    rps: float = 20.0

    async def run(self) -> None:
        """Send requests until cancelled; answers are what the router records, not judged here."""
        if not self.paths:
            return
        interval = 1.0 / self.rps
        async with httpx.AsyncClient(base_url=self.base_url, timeout=5.0) as client:
            for path in itertools.cycle(self.paths):
                try:
                    await client.get(path)
                except httpx.HTTPError as exc:  # the router's own failures are in its stats too
                    log.debug("probe %s%s: %s", self.base_url, path, exc)
                await anyio.sleep(interval)  # the probe's rate
