"""The peer registry and dedupe keys."""

from __future__ import annotations

import pytest

from blackboard import Board, Heartbeat, PeerInfo, connect
from tests.support.wait import eventually

pytestmark = pytest.mark.anyio


def info(peer_id: str, caps: list[str]) -> PeerInfo:
    return PeerInfo(id=peer_id, host="h", pid=1, version="0", capabilities=caps)


async def test_a_peer_is_alive_while_it_beats(board_settings) -> None:  # type: ignore[no-untyped-def]
    async with connect(board_settings.with_(peer_ttl_ms=200)) as board:
        await board.peers.beat(info("p1", ["build"]), Heartbeat(ts_ms=1, inflight=2))
        await board.peers.beat(info("p2", ["deploy"]), Heartbeat(ts_ms=1))
        [p1, _] = await board.peers.all()
        assert p1.alive and p1.heartbeat is not None and p1.heartbeat.inflight == 2
        assert await board.peers.live_capabilities() == {"build", "deploy"}

        async def p2_gone() -> bool:
            await board.peers.beat(info("p1", ["build"]), Heartbeat(ts_ms=2))
            return await board.peers.live_capabilities() == {"build"}

        await eventually(p2_gone, timeout=5, what="p2's heartbeat expires")
        assert await board.peers.prune(["deploy", "build"]) == ["p2"]
        assert [p.info.id for p in await board.peers.all()] == ["p1"]
        await board.peers.deregister("p1")
        assert await board.peers.all() == []


async def test_a_gone_peer_holding_a_task_is_not_forgotten(board_settings) -> None:  # type: ignore[no-untyped-def]
    from blackboard import TaskSpec

    async with connect(board_settings.with_(peer_ttl_ms=100)) as board:
        await board.runs.create([TaskSpec(id="a", capability="noop")])
        await board.tasks.ensure_groups(["noop"])
        await board.peers.beat(info("p1", ["noop"]), Heartbeat(ts_ms=1))
        await board.tasks.claim("p1", ["noop"], 1, 0)

        async def gone() -> bool:
            return not (await board.peers.all())[0].alive

        await eventually(gone, timeout=5)
        assert await board.peers.prune(["noop"]) == []  # its task must be reaped first


async def test_dedupe_keys(board: Board) -> None:
    assert await board.dedupe.first("delivery-1")
    assert not await board.dedupe.first("delivery-1")
    assert await board.dedupe.first("delivery-2")


async def test_a_ledger_keeps_the_newest_entries_across_runs(board: Board) -> None:
    for version in range(5):
        await board.ledger.append("deploys:shop:api", {"version": version, "healthy": version != 3}, maxlen=3)
    entries = await board.ledger.read("deploys:shop:api")
    assert [e["version"] for e in entries] == [4, 3, 2]
    assert entries[1]["healthy"] is False and entries[0]["ts_ms"] > 0
    assert await board.ledger.read("deploys:shop:other") == []


async def test_the_cache_keeps_bytes_until_they_expire(board: Board) -> None:
    await board.cache.set("llm:abc", b"\x00answer", ttl_s=60)
    assert await board.cache.get("llm:abc") == b"\x00answer"
    assert await board.cache.get("llm:missing") is None
