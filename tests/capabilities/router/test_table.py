"""The route table and the selector: pure logic."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from capabilities.router import RouteTable, Selector, VersionRoute, percentile, split_address


def table(*routes: tuple[str, int, tuple[str, ...]], stable: str | None = None) -> RouteTable:
    return RouteTable(
        routes=tuple(VersionRoute(version=v, weight=w, upstreams=u) for v, w, u in routes), stable=stable
    )


def test_smooth_weighted_round_robin_is_exact_and_spread() -> None:
    selector = Selector(table(("a", 10, ("h:1",)), ("b", 90, ("h:2",))))
    picks = [selector.pick() for _ in range(100)]
    assert Counter(p.version for p in picks if p) == {"a": 10, "b": 90}
    a_positions = [i for i, p in enumerate(picks) if p and p.version == "a"]
    assert max(b - a for a, b in itertools.pairwise(a_positions)) <= 11  # spread, not bunched


def test_weight_zero_gets_no_traffic_but_is_a_fallback() -> None:
    selector = Selector(table(("old", 0, ("h:1",)), ("new", 1, ("h:2", "h:3")), stable="old"))
    assert {selector.pick().version for _ in range(10)} == {"new"}  # type: ignore[union-attr]
    route = selector.table.route("new")
    assert route is not None
    first = list(selector.attempts(route))
    second = list(selector.attempts(route))
    assert first == [("new", "h:2"), ("new", "h:3"), ("old", "h:1")]
    assert second == [("new", "h:3"), ("new", "h:2"), ("old", "h:1")]  # round-robin inside a version


def test_an_empty_table_routes_nothing() -> None:
    assert Selector(RouteTable()).pick() is None


@pytest.mark.parametrize(
    ("routes", "stable", "message"),
    [
        ((("a", 1, ()),), None, "no upstream"),
        ((("a", 1, ("h:1",)), ("a", 1, ("h:2",))), None, "twice"),
        ((("a", 1, ("h:1",)),), "b", "has no route"),
        ((("a", 1, ("nohost",)),), None, "host:port"),
    ],
)
def test_inconsistent_tables_are_refused(
    routes: tuple[tuple[str, int, tuple[str, ...]], ...], stable: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        table(*routes, stable=stable)


def test_percent_and_addresses() -> None:
    t = table(("a", 1, ("127.0.0.1:1",)), ("b", 3, ("127.0.0.1:2",)))
    assert t.percent() == {"a": 25.0, "b": 75.0}
    assert split_address("[::1]:80") == ("::1", 80)
    assert split_address("127.0.0.1:0", any_port=True) == ("127.0.0.1", 0)


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50 and percentile(values, 95) == 95 and percentile(values, 100) == 100
    assert percentile([7.0], 95) == 7.0 and percentile([], 95) is None
