"""Artifacts: bytes with a sha256, a size cap, fenced writers."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from blackboard import ArtifactTooLarge, Board, BoardError, Fenced, NotFound, TaskSpec, connect

pytestmark = pytest.mark.anyio


async def test_put_get_and_list(board: Board) -> None:
    created = await board.runs.create([TaskSpec(id="a", capability="noop")])
    body = b"FROM python:3.12-slim\n\x00\xff binary-safe"
    art = await board.artifacts.put(created.run_id, "build/Dockerfile", body, content_type="text/plain")
    assert art.sha256 == hashlib.sha256(body).hexdigest() and art.size == len(body)
    await board.artifacts.put(created.run_id, "report.md", "# ok", meta={"kind": "report"})
    assert await board.artifacts.get(created.run_id, "build/Dockerfile") == body
    listed = await board.artifacts.all(created.run_id)
    assert [a.name for a in listed] == ["build/Dockerfile", "report.md"]
    assert (await board.artifacts.info(created.run_id, "report.md")).meta == {"kind": "report"}
    stored = [e for e in await board.events.history(created.run_id) if e.kind == "artifact.stored"]
    assert [e.data["name"] for e in stored] == ["build/Dockerfile", "report.md"]


async def test_missing_and_malformed(board: Board) -> None:
    created = await board.runs.create([])
    with pytest.raises(NotFound):
        await board.artifacts.get(created.run_id, "nope")
    with pytest.raises(NotFound):
        await board.artifacts.info(created.run_id, "nope")
    with pytest.raises(BoardError, match=r"no '\.\.'"):
        await board.artifacts.put(created.run_id, "../etc/passwd", "x")
    with pytest.raises(NotFound):
        await board.artifacts.put("no-such-run", "a.txt", "x")


async def test_the_size_cap_refuses_before_sending(board_settings) -> None:  # type: ignore[no-untyped-def]
    async with connect(board_settings.with_(artifact_max_bytes=100)) as board:
        created = await board.runs.create([])
        with pytest.raises(ArtifactTooLarge, match="ORCHESTRA_ARTIFACT_MAX_BYTES"):
            await board.artifacts.put(created.run_id, "big.bin", b"x" * 101)
        assert await board.artifacts.all(created.run_id) == []


async def test_a_writer_that_lost_its_lease_is_fenced(board: Board) -> None:
    created = await board.runs.create([TaskSpec(id="a", capability="noop")])
    await board.tasks.ensure_groups(["noop"])
    [claim] = await board.tasks.claim("p1", ["noop"], 1, 0)
    await board.artifacts.put(created.run_id, "out.txt", "mine", claim=claim)
    with pytest.raises(Fenced):
        await board.artifacts.put(
            created.run_id, "out.txt", "stale", claim=replace(claim, token=claim.token - 1)
        )
    assert await board.artifacts.get(created.run_id, "out.txt") == b"mine"
