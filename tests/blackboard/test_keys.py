"""Keys, ids, plans and settings: pure logic."""

from __future__ import annotations

import pytest

from blackboard import BoardError, BoardSettings, Keys, PlanError, TaskSpec, check_plan
from blackboard.keys import partition_of, run_of, task_id
from blackboard.runs import new_run_id


def crc16_slot(key: str) -> int:
    """Redis Cluster's slot of a key (CRC16/XMODEM of the hash tag, mod 16384)."""
    start = key.find("{")
    if start >= 0:
        end = key.find("}", start + 1)
        if end > start + 1:
            key = key[start + 1 : end]
    crc = 0
    for byte in key.encode():
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc % 16384


def test_every_key_of_a_partition_is_in_one_cluster_slot() -> None:
    keys = Keys("orch", partitions=4)
    for number in range(4):
        p = keys.partition(number)
        names = [
            p.stream("build"),
            p.task("r.a"),
            p.run("r"),
            p.run_tasks("r"),
            p.runs,
            p.events,
            p.artifacts("r"),
            p.blob("r", "x"),
            p.dead,
            p.delayed,
            p.capabilities,
            p.dedupe("d"),
        ]
        assert len({crc16_slot(n) for n in names}) == 1, names
        assert all(n.startswith(f"orch:{{{number}}}:") for n in names)


def test_runs_spread_over_partitions_and_ids_find_their_partition() -> None:
    for _ in range(50):
        assert partition_of(new_run_id(partition=2, partitions=4), 4) == 2
    counts = [0, 0, 0, 0]
    for _ in range(400):
        counts[partition_of(new_run_id(), 4)] += 1
    assert min(counts) > 50  # crc32 spreads ids evenly enough
    tid = task_id("run1", "build-api")
    assert run_of(tid) == "run1"
    assert Keys("orch", 4).for_task(tid) == Keys("orch", 4).for_run("run1")
    ids = sorted(new_run_id() for _ in range(5))
    assert len(set(ids)) == 5


def test_check_plan_names_the_problem() -> None:
    ok = [TaskSpec(id="a", capability="x"), TaskSpec(id="b", capability="x", needs=("a",))]
    check_plan(ok)
    with pytest.raises(PlanError, match="cycle"):
        check_plan(
            [TaskSpec(id="a", capability="x", needs=("b",)), TaskSpec(id="b", capability="x", needs=("a",))]
        )
    with pytest.raises(ValueError):
        TaskSpec(id="has space", capability="x")
    with pytest.raises(ValueError):
        TaskSpec(id="a", capability="x", needs=("b", "b"))


def test_settings_from_env() -> None:
    s = BoardSettings.from_env(
        {"REDIS_URL": "redis://h:1/0", "ORCHESTRA_LEASE_MS": "2000", "ORCHESTRA_NAMESPACE": "x"}
    )
    assert (s.redis_url, s.lease_ms, s.namespace, s.embedded) == ("redis://h:1/0", 2000, "x", False)
    assert BoardSettings.from_env({}).embedded
    assert BoardSettings.from_env({"REDIS_URL": "redis://a"}, redis_url="redis://b").redis_url == "redis://b"
    with pytest.raises(BoardError, match="ORCHESTRA_LEASE_MS='soon'"):
        BoardSettings.from_env({"ORCHESTRA_LEASE_MS": "soon"})
    with pytest.raises(BoardError, match="namespace"):
        BoardSettings.from_env({"ORCHESTRA_NAMESPACE": "a:{b}"})
