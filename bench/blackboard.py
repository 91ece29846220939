"""Benchmark of the board, on one private redis-server, printed as one table.

    python -m bench.blackboard            # about a minute on 2 cores
    python -m bench.blackboard --quick    # smaller counts, for a smoke run

Baseline in the same run: the raw Redis Streams floor (XADD + XREADGROUP + XACK from one
asyncio client, unbatched and batched) on the same server. Then the board end to end with
real peer processes serving a no-op capability: independent tasks and a chain, with 1 and
2 peers; claim latency at light load (post -> handler start, CLOCK_MONOTONIC shared by all
processes); reassignment time after ``kill -9`` of a peer holding a task (lease 1 s).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
from redis.asyncio import Redis
from rich.console import Console
from rich.table import Table

from blackboard import Board, BoardSettings, TaskSpec, TaskState, connect
from blackboard.keys import task_id
from tests.support.peers import PeerProcess
from tests.support.redis_server import RedisServer

console = Console(width=150)

TARGET_TASKS_PER_S = 6000
TARGET_P50_MS = 0.5
TARGET_P99_MS = 1.0


@dataclass
class Row:
    what: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None
    note: str = ""


# -- the floor ----------------------------------------------------------------------------


async def raw_floor(url: str, unbatched_n: int, batched_n: int, batch: int) -> tuple[float, float]:
    r = Redis.from_url(url)
    try:
        await r.xgroup_create("floor:1", "g", id="0", mkstream=True)
        t = time.perf_counter()
        for _ in range(unbatched_n):
            await r.xadd("floor:1", {"task": "x"})
            [[_, [(entry, _)]]] = await r.xreadgroup("g", "c", {"floor:1": ">"}, count=1)
            await r.xack("floor:1", "g", entry)
        unbatched = unbatched_n / (time.perf_counter() - t)

        await r.xgroup_create("floor:2", "g", id="0", mkstream=True)
        t = time.perf_counter()
        for _ in range(batched_n // batch):
            pipe = r.pipeline(transaction=False)
            for _ in range(batch):
                pipe.xadd("floor:2", {"task": "x"})
            await pipe.execute()
            [[_, entries]] = await r.xreadgroup("g", "c", {"floor:2": ">"}, count=batch)
            await r.xack("floor:2", "g", *[e for e, _ in entries])
        batched = batched_n / (time.perf_counter() - t)
        return unbatched, batched
    finally:
        await r.aclose()


# -- the board ----------------------------------------------------------------------------


@contextmanager
def peer_processes(
    settings: BoardSettings, n: int, workdir: Path, concurrency: int, caps: str = "noop"
) -> Iterator[list[PeerProcess]]:
    procs = [
        PeerProcess(
            settings.redis_url or "",
            settings.namespace,
            f"bench-{settings.namespace}-{i}",
            workdir,
            capabilities=caps,
            concurrency=concurrency,
            lease_ms=settings.lease_ms,
            load="bench.capabilities",
            log_level="WARNING",
            grace_s=1,
        )
        for i in range(n)
    ]
    try:
        for p in procs:
            p.start(wait=False)
        for p in procs:
            p.wait_alive()
        yield procs
    finally:
        for p in procs:
            p.kill()


async def finished_runs(board: Board, cursor: dict[str, str], run_ids: set[str]) -> None:
    """Block on the events stream until every run in ``run_ids`` finished."""
    left = set(run_ids)
    while left:
        for e in await board.events.read(cursor, count=10_000, block_ms=1000):
            if e.kind.startswith("run.") and e.kind != "run.created":
                left.discard(e.run)


async def independent(settings: BoardSettings, total: int, per_run: int = 1000) -> float:
    async with connect(settings) as board:
        cursor = board.events.cursor("$")
        await board.events.read(cursor)
        specs = [TaskSpec(id=f"t{i}", capability="noop") for i in range(per_run)]
        t = time.perf_counter()
        ids = {(await board.runs.create(specs)).run_id for _ in range(total // per_run)}
        await finished_runs(board, cursor, ids)
        return total / (time.perf_counter() - t)


async def chain(settings: BoardSettings, length: int) -> float:
    async with connect(settings) as board:
        cursor = board.events.cursor("$")
        await board.events.read(cursor)
        specs = [
            TaskSpec(id=f"c{i}", capability="noop", needs=(f"c{i - 1}",) if i else ()) for i in range(length)
        ]
        t = time.perf_counter()
        created = await board.runs.create(specs)
        await finished_runs(board, cursor, {created.run_id})
        return length / (time.perf_counter() - t)


async def claim_latency(settings: BoardSettings, samples: int) -> list[float]:
    """Post one task at a time; latency = handler start - post start, in ms."""
    out: list[float] = []
    async with connect(settings) as board:
        cursor = board.events.cursor("$")
        await board.events.read(cursor)
        spec = [TaskSpec(id="t", capability="noop")]
        for i in range(samples + 20):
            t0 = time.monotonic_ns()
            created = await board.runs.create(spec)
            await finished_runs(board, cursor, {created.run_id})
            task = await board.runs.task(task_id(created.run_id, "t"))
            if i >= 20:  # warm-up: connections, script caches, branch predictors
                out.append((task.result["data"]["t"] - t0) / 1e6)
    return out


async def reassignment(settings: BoardSettings, workdir: Path, trials: int) -> list[float]:
    """Kill -9 the peer holding a task; ms from the kill to the task finished by another."""
    out: list[float] = []
    with peer_processes(settings, 2, workdir, 4, caps="sleep") as procs:
        by_name = {p.name: p for p in procs}
        async with connect(settings) as board:
            for trial in range(trials):
                created = await board.runs.create(
                    [TaskSpec(id="t", capability="sleep", inputs={"first_seconds": 60})]
                )
                tid = task_id(created.run_id, "t")
                while (task := await board.runs.task(tid)).state is not TaskState.RUNNING:  # noqa: ASYNC110
                    await anyio.sleep(0.005)  # polls another process's state
                victim = by_name[task.owner]
                killed = time.time_ns() // 1_000_000
                victim.kill()
                await board.runs.wait(created.run_id, timeout_s=30, poll_s=0.005)
                out.append((await board.runs.task(tid)).finished_ms - killed)
                replacement = PeerProcess(
                    settings.redis_url or "",
                    settings.namespace,
                    f"{victim.name}-r{trial}",
                    workdir,
                    capabilities="sleep",
                    lease_ms=settings.lease_ms,
                    load="bench.capabilities",
                    log_level="WARNING",
                ).start()
                del by_name[victim.name]
                by_name[replacement.name] = replacement
                procs.append(replacement)
    return out


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


async def main(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="orchestra-bench-"))
    server = RedisServer(workdir / "redis")
    server.start()
    rows: list[Row] = []
    try:
        console.print(f"[dim]private redis-server on port {server.port}; work in {workdir}[/]")
        unbatched, batched = await raw_floor(server.url, args.floor // 10, args.floor, 100)
        rows.append(
            Row("raw streams floor, unbatched (XADD, XREADGROUP, XACK)", unbatched, "msg/s", note="baseline")
        )
        rows.append(Row("raw streams floor, batched x100", batched, "msg/s", note="baseline"))

        for n in (1, 2):
            ns = f"ind{n}"
            s = BoardSettings(redis_url=server.url, namespace=ns)
            with peer_processes(s, n, workdir, args.concurrency):
                rate = await independent(s, args.tasks)
            target = f">= {TARGET_TASKS_PER_S}" if n == 2 else ""
            rows.append(
                Row(
                    f"board no-op tasks, independent, {n} peer process(es)",
                    rate,
                    "task/s",
                    target,
                    rate >= TARGET_TASKS_PER_S if n == 2 else None,
                    f"{rate / batched:.0%} of the batched floor",
                )
            )
        for n in (1, 2):
            s = BoardSettings(redis_url=server.url, namespace=f"chain{n}")
            with peer_processes(s, n, workdir, args.concurrency):
                rate = await chain(s, args.chain)
            rows.append(
                Row(
                    f"board no-op tasks, a chain, {n} peer process(es)",
                    rate,
                    "task/s",
                    note=f"{rate / unbatched:.0%} of the unbatched floor",
                )
            )

        s = BoardSettings(redis_url=server.url, namespace="latency")
        with peer_processes(s, 1, workdir, 4):
            lat = await claim_latency(s, args.latency)
        p50, p99 = pct(lat, 0.50), pct(lat, 0.99)
        rows.append(
            Row(
                "claim latency p50 (post -> handler start)",
                p50,
                "ms",
                f"<= {TARGET_P50_MS}",
                p50 <= TARGET_P50_MS,
            )
        )
        rows.append(
            Row(
                "claim latency p99",
                p99,
                "ms",
                f"<= {TARGET_P99_MS}",
                p99 <= TARGET_P99_MS,
                f"max {max(lat):.2f} ms over {len(lat)}",
            )
        )
        unbatched_rtt = 1000 / unbatched
        rows[-2].note = f"the floor's 3 round trips take {unbatched_rtt:.2f} ms"

        s = BoardSettings(redis_url=server.url, namespace="reassign", lease_ms=1000)
        times = await reassignment(s, workdir, args.trials)
        worst = max(times)
        rows.append(
            Row(
                "reassignment after kill -9, lease 1 s (worst)",
                worst,
                "ms",
                "<= 2000",
                worst <= 2000,
                f"median {statistics.median(times):.0f} ms over {len(times)}",
            )
        )
    finally:
        server.stop()

    table = Table(title="DevOps Orchestra board benchmark")
    for col in ("measurement", "result", "target", "", "note"):
        table.add_column(col, justify="right" if col == "result" else "left")
    for r in rows:
        value = f"{r.value:,.0f} {r.unit}" if r.unit.endswith("/s") else f"{r.value:.2f} {r.unit}"
        mark = "" if r.ok is None else ("[green]ok[/]" if r.ok else "[red]missed[/]")
        table.add_row(r.what, value, r.target, mark, r.note)
    console.print(table)


def cli() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small counts (a smoke run)")
    parser.add_argument("--tasks", type=int, default=60_000, help="independent no-op tasks per measurement")
    parser.add_argument("--chain", type=int, default=3_000, help="length of the chain")
    parser.add_argument("--latency", type=int, default=1_000, help="claim latency samples")
    parser.add_argument("--trials", type=int, default=5, help="kill -9 trials")
    parser.add_argument("--floor", type=int, default=50_000, help="messages for the batched floor")
    parser.add_argument("--concurrency", type=int, default=64, help="slots per peer process")
    args = parser.parse_args()
    if args.quick:
        args.tasks, args.chain, args.latency, args.trials, args.floor = 5_000, 300, 100, 1, 5_000
    gc.freeze()  # like the peers: startup objects out of the collector's passes
    try:
        import uvloop  # noqa: F401 - the `fast` extra, as the peers use it

        options = {"use_uvloop": True}
    except ImportError:
        options = {}
    anyio.run(main, args, backend_options=options)


if __name__ == "__main__":
    cli()
