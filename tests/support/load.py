"""A bounded HTTP load generator for loopback addresses that counts what failed.

    async with Load(url, rate=100) as load:
        ...                              # deploy, switch, roll back
    assert load.failed == 0

Bounded in requests and seconds, it stops by itself. ``failed`` counts requests that did not
get an answer from a version: connection errors, timeouts, and the router's own error
responses (marked ``x-orchestra-error``). 5xx answers of a version are counted per version,
not as failures of the switch.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urlsplit

import anyio
import httpx

LOOPBACK = ("127.", "localhost", "[::1]", "::1")


@dataclass(frozen=True, slots=True)
class Sample:
    at: float
    """time.monotonic() when the answer (or the error) came."""
    status: int | None
    version: str | None
    proxy_error: bool
    error: str | None
    latency_s: float

    @property
    def failed(self) -> bool:
        return self.status is None or self.proxy_error


@dataclass
class Load:
    url: str
    rate: float = 100.0
    """Requests per second over all workers (paced)."""
    concurrency: int = 4
    max_requests: int = 30_000
    max_seconds: float = 90.0
    path: str = "/"
    timeout_s: float = 5.0
    samples: list[Sample] = field(default_factory=list)

    def __post_init__(self) -> None:
        host = urlsplit(self.url).hostname or ""
        if not host.startswith(LOOPBACK):
            raise ValueError(f"load goes to loopback addresses only, not {host}")
        self._tg: anyio.abc.TaskGroup | None = None
        self._sent = 0

    async def __aenter__(self) -> Load:
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self._deadline = time.monotonic() + self.max_seconds
        for _ in range(self.concurrency):
            self._tg.start_soon(self._worker)
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        assert self._tg is not None
        self._tg.cancel_scope.cancel()
        return await self._tg.__aexit__(et, e, tb)

    async def _worker(self) -> None:
        period = self.concurrency / self.rate if self.rate > 0 else 0.0
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=self.url, timeout=self.timeout_s, limits=limits) as http:
            next_at = time.monotonic()
            while self._sent < self.max_requests and time.monotonic() < self._deadline:
                self._sent += 1
                started = time.monotonic()
                try:
                    response = await http.get(self.path)
                    sample = Sample(
                        time.monotonic(),
                        response.status_code,
                        response.headers.get("x-orchestra-version"),
                        "x-orchestra-error" in response.headers,
                        None,
                        time.monotonic() - started,
                    )
                except httpx.HTTPError as exc:
                    sample = Sample(
                        time.monotonic(), None, None, False, repr(exc), time.monotonic() - started
                    )
                self.samples.append(sample)
                next_at += period
                await anyio.sleep(max(0.0, next_at - time.monotonic()))  # pacing to the target rate

    # -- what happened ----------------------------------------------------------------------

    def since(self, t: float) -> list[Sample]:
        return [s for s in self.samples if s.at >= t]

    @property
    def failed(self) -> int:
        return sum(1 for s in self.samples if s.failed)

    def failures(self) -> list[Sample]:
        return [s for s in self.samples if s.failed]

    def by_version(self, samples: list[Sample] | None = None) -> Counter[str | None]:
        return Counter(s.version for s in (self.samples if samples is None else samples))

    def statuses(self, version: str | None = None) -> Counter[int | None]:
        return Counter(s.status for s in self.samples if version is None or s.version == version)

    def count(self) -> int:
        return len(self.samples)
