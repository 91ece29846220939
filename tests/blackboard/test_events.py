"""The events stream: viewers with a cursor, subscribers with a consumer group."""

from __future__ import annotations

import pytest

from blackboard import Board, TaskSpec

pytestmark = pytest.mark.anyio


async def test_a_viewer_reads_what_comes_after_its_cursor(board: Board) -> None:
    await board.events.emit("before")
    cursor = board.events.cursor("$")
    assert await board.events.read(cursor) == []
    created = await board.runs.create([TaskSpec(id="a", capability="noop")])
    await board.events.emit("custom", created.run_id, data={"n": 1})
    events = await board.events.read(cursor)
    assert [e.kind for e in events] == ["run.created", "custom"]
    assert events[1].data == {"n": 1} and events[1].run == created.run_id and events[1].ts_ms > 0
    assert await board.events.read(cursor) == []


async def test_a_blocking_read_wakes_up_on_a_new_event(board: Board) -> None:
    cursor = board.events.cursor("$")
    assert await board.events.read(cursor, block_ms=30) == []
    await board.events.emit("x")
    assert [e.kind for e in await board.events.read(cursor, block_ms=2000)] == ["x"]


async def test_a_subscriber_resumes_after_a_restart_without_losing_or_repeating(board: Board) -> None:
    sub = board.events.subscribe("chatops", "bot-1", start="$")
    await sub.open()
    for i in range(5):
        await board.events.emit("n", data={"i": i})
    got = await sub.read(count=3, block_ms=0)
    await sub.ack(got[:2])  # crashes after handling two of three
    restarted = board.events.subscribe("chatops", "bot-1")
    await restarted.open()
    replay = await restarted.read(count=10, block_ms=0)
    assert [e.data["i"] for e in replay] == [2]  # the unacked one comes back first
    await restarted.ack(replay)
    rest = await restarted.read(count=10, block_ms=0)
    assert [e.data["i"] for e in rest] == [3, 4]
    await restarted.ack(rest)
    assert await restarted.read(count=10, block_ms=0) == []


async def test_two_replicas_of_a_subscriber_share_the_work(board: Board) -> None:
    a = board.events.subscribe("notify", "a", start="$")
    b = board.events.subscribe("notify", "b", start="$")
    await a.open()
    await b.open()
    for i in range(6):
        await board.events.emit("n", data={"i": i})
    first = await a.read(count=3, block_ms=0)
    second = await b.read(count=10, block_ms=0)
    assert sorted(e.data["i"] for e in first + second) == list(range(6))  # each once


async def test_the_stream_is_trimmed(board_settings, namespace: str) -> None:  # type: ignore[no-untyped-def]
    from blackboard import connect

    async with connect(board_settings.with_(events_maxlen=10)) as small:
        for i in range(500):
            await small.events.emit("n", data={"i": i})
        length = await small.core.redis.xlen(small.keys.partition(0).events)
        assert 10 <= length < 500
