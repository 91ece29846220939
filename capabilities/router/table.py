"""The route table: which versions get traffic, in which proportion, through which upstreams.

A table is replaced whole (one admin call, one assignment in the router's event loop), so a
switch of weights and upstreams is atomic: a request sees the old table or the new one, never
half of each. ``stable`` names the version a request falls back to when every upstream of the
version it was given refuses the connection.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class VersionRoute(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1, max_length=200)
    weight: int = Field(ge=0, le=1_000_000)
    """Relative share of new requests; 0 keeps the version reachable only as a fallback."""
    upstreams: tuple[str, ...] = ()
    """``host:port`` of each replica."""

    @field_validator("upstreams")
    @classmethod
    def _addresses(cls, upstreams: tuple[str, ...]) -> tuple[str, ...]:
        for address in upstreams:
            split_address(address)
        return upstreams


class RouteTable(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    routes: tuple[VersionRoute, ...] = ()
    stable: str | None = None
    generation: int = 0
    """Set by the router: how many tables it has applied."""

    @model_validator(mode="after")
    def _consistent(self) -> RouteTable:
        names = [r.version for r in self.routes]
        if len(set(names)) != len(names):
            raise ValueError("a version appears twice in the route table")
        if self.stable is not None and self.stable not in names:
            raise ValueError(f"stable version {self.stable!r} has no route")
        for r in self.routes:
            if r.weight > 0 and not r.upstreams:
                raise ValueError(f"version {r.version!r} has weight {r.weight} but no upstream")
        return self

    def route(self, version: str) -> VersionRoute | None:
        for r in self.routes:
            if r.version == version:
                return r
        return None

    def weights(self) -> dict[str, int]:
        return {r.version: r.weight for r in self.routes}

    def percent(self) -> dict[str, float]:
        total = sum(r.weight for r in self.routes)
        return {r.version: (100.0 * r.weight / total if total else 0.0) for r in self.routes}

    def upstreams(self) -> set[str]:
        return {u for r in self.routes for u in r.upstreams}


def split_address(address: str, *, any_port: bool = False) -> tuple[str, int]:
    """``127.0.0.1:8080`` -> (``127.0.0.1``, 8080); raises ValueError on anything else.
    ``any_port`` accepts port 0 (a listener's "pick a free one")."""
    host, sep, port = address.rpartition(":")
    lowest = 0 if any_port else 1
    if not sep or not host or not port.isdigit() or not lowest <= int(port) < 65536:
        raise ValueError(f"{address!r} is not host:port")
    return host.strip("[]"), int(port)


class Selector:
    """Picks a version by smooth weighted round-robin (nginx's algorithm: deterministic, evenly
    spread) and an upstream within it by round-robin."""

    def __init__(self, table: RouteTable) -> None:
        self.table = table
        self._current: dict[str, int] = {r.version: 0 for r in table.routes}
        self._next: dict[str, int] = {r.version: 0 for r in table.routes}

    def pick(self) -> VersionRoute | None:
        total = 0
        best: VersionRoute | None = None
        for r in self.table.routes:
            if r.weight <= 0:
                continue
            self._current[r.version] += r.weight
            total += r.weight
            if best is None or self._current[r.version] > self._current[best.version]:
                best = r
        if best is not None:
            self._current[best.version] -= total
        return best

    def attempts(self, route: VersionRoute) -> Iterator[tuple[str, str]]:
        """(version, upstream) to try in order: the version's upstreams starting with the next
        in turn, then the stable version's."""
        yield from self._rotation(route)
        stable = self.table.route(self.table.stable) if self.table.stable else None
        if stable is not None and stable.version != route.version:
            yield from self._rotation(stable)

    def _rotation(self, route: VersionRoute) -> Iterator[tuple[str, str]]:
        n = len(route.upstreams)
        if not n:
            return
        start = self._next.get(route.version, 0) % n
        self._next[route.version] = start + 1
        for i in range(n):
            yield route.version, route.upstreams[(start + i) % n]
