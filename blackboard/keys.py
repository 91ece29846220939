"""Every Redis key, stream and consumer group of the board, named in one place.

Key schema (``{ns}`` = namespace, ``orch`` by default; ``{p}`` = partition number).
Keys of one partition share the Redis Cluster hash tag ``{p}`` so every Lua script
stays inside one slot; Lua scripts derive the partition's other keys from
``prefix = "{ns}:{p}"`` (passed as ARGV[1]), never from anything else.

    {ns}:{p}:tasks:{capability}   stream   one entry per posting of a task: {task: <id>}
                                           consumer group GROUP; consumers are peer ids
    {ns}:{p}:task:{task_id}       hash     Task record (see models.Task for the fields)
    {ns}:{p}:run:{run_id}         hash     Run record and its counters
    {ns}:{p}:run:{run_id}:tasks   list     task ids of the run, in plan order
    {ns}:{p}:runs                 zset     run ids scored by their creation sequence number
    {ns}:{p}:runseq               string   the last creation sequence number of the partition
    {ns}:{p}:events               stream   every event of the partition (approx. trimmed)
    {ns}:{p}:artifacts:{run_id}   hash     artifact name -> metadata JSON
    {ns}:{p}:blob:{run_id}:{name} string   artifact bytes
    {ns}:{p}:dead                 stream   tasks that used up their attempts
    {ns}:{p}:delayed              zset     task ids waiting for a retry, scored by due time (ms)
    {ns}:{p}:capabilities         set      capability names that ever had a task posted
    {ns}:{p}:dedupe:{key}         string   run id created for a delivery id (with TTL)
    {ns}:ledger:{name}            list     JSON entries that outlive runs (a service's deploy
                                           history), newest first, capped
    {ns}:cache:{key}              string   a cached value with a TTL (LLM answers by prompt hash)
    {ns}:peers                    hash     peer id -> PeerInfo JSON (descriptor)
    {ns}:peer:{peer_id}           string   heartbeat JSON, expires after the liveness TTL

Task and run ids carry their partition implicitly: a task id is ``{run_id}.{spec_id}``
and a run's partition is ``crc32(run_id) % partitions``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

GROUP = "peers"
"""The consumer group every peer joins on every capability stream it serves."""

TASK_ID_SEP = "."


def partition_of(run_id: str, partitions: int) -> int:
    """The partition a run (and all its tasks, artifacts and events) lives in."""
    if partitions == 1:
        return 0
    return zlib.crc32(run_id.encode()) % partitions


def run_of(task_id: str) -> str:
    """The run id inside a task id."""
    return task_id.split(TASK_ID_SEP, 1)[0]


def task_id(run_id: str, spec_id: str) -> str:
    return f"{run_id}{TASK_ID_SEP}{spec_id}"


@dataclass(frozen=True, slots=True)
class Partition:
    """Key names of one partition."""

    ns: str
    number: int

    @property
    def prefix(self) -> str:
        return f"{self.ns}:{{{self.number}}}"

    def stream(self, capability: str) -> str:
        return f"{self.prefix}:tasks:{capability}"

    def task(self, task_id: str) -> str:
        return f"{self.prefix}:task:{task_id}"

    def run(self, run_id: str) -> str:
        return f"{self.prefix}:run:{run_id}"

    def run_tasks(self, run_id: str) -> str:
        return f"{self.prefix}:run:{run_id}:tasks"

    @property
    def runs(self) -> str:
        return f"{self.prefix}:runs"

    @property
    def runseq(self) -> str:
        return f"{self.prefix}:runseq"

    @property
    def events(self) -> str:
        return f"{self.prefix}:events"

    def artifacts(self, run_id: str) -> str:
        return f"{self.prefix}:artifacts:{run_id}"

    def blob(self, run_id: str, name: str) -> str:
        return f"{self.prefix}:blob:{run_id}:{name}"

    @property
    def dead(self) -> str:
        return f"{self.prefix}:dead"

    @property
    def delayed(self) -> str:
        return f"{self.prefix}:delayed"

    @property
    def capabilities(self) -> str:
        return f"{self.prefix}:capabilities"

    def dedupe(self, key: str) -> str:
        return f"{self.prefix}:dedupe:{key}"


@dataclass(frozen=True, slots=True)
class Keys:
    """Key names of a whole board: its partitions and its global keys."""

    ns: str = "orch"
    partitions: int = 1

    def partition(self, number: int) -> Partition:
        return Partition(self.ns, number)

    def for_run(self, run_id: str) -> Partition:
        return Partition(self.ns, partition_of(run_id, self.partitions))

    def for_task(self, task_id: str) -> Partition:
        return self.for_run(run_of(task_id))

    def all_partitions(self) -> list[Partition]:
        return [Partition(self.ns, n) for n in range(self.partitions)]

    def for_key(self, key: str) -> Partition:
        """The partition that owns a dedupe key (the run created for it lives there too)."""
        return Partition(self.ns, partition_of(key, self.partitions))

    @property
    def peers(self) -> str:
        return f"{self.ns}:peers"

    def peer(self, peer_id: str) -> str:
        return f"{self.ns}:peer:{peer_id}"

    def ledger(self, name: str) -> str:
        return f"{self.ns}:ledger:{name}"

    def cache(self, key: str) -> str:
        return f"{self.ns}:cache:{key}"
