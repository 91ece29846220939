"""Benchmark of automatic rollback on the local runtime, printed as one table.

    python -m bench.rollback              # about a minute on 2 cores
    python -m bench.rollback --repeat 5   # five breach phases per strategy: worst and median

Per strategy, a real rollout behind the real router under a bounded loopback load (100 req/s):
the new version turns bad (half its answers 500) part-way, at a random phase of the analysis
cadence (a seeded draw), the analysis (interval 1 s,
failure_limit 3: the defaults) catches it and rolls back. Measured from the load generator's
side: the **breach** is the first 500 the bad version answered, **100 % stable** is the last
answer the bad version gave; failed requests are those that got no answer from any version
(connection errors, the router's own 502/503/504) — the bad version's own 500s are the breach
itself and are counted apart.

Baselines in the same run: the analysis interval, and a plain restart in place (the process
stopped and started again behind the same router, no strategy): its downtime and lost requests.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from rich.console import Console
from rich.table import Table

from blackboard import BoardSettings, connect
from capabilities.deploy import Deploy, LocalRuntime, teardown
from capabilities.observe import Observe
from capabilities.router import VersionRoute
from tests.support.apps import write_app
from tests.support.apps.pipeline import app_config, run_stages
from tests.support.load import Load, Sample
from tests.support.wait import eventually

console = Console(width=150)

INTERVAL_S = 1.0
FAILURE_LIMIT = 3
TARGET_S = 3.0
RATE = 100.0


@dataclass
class Measure:
    what: str
    breach_to_stable_s: list[float] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    bad_500s: list[int] = field(default_factory=list)
    switch_s: list[float] = field(default_factory=list)
    note: str = ""


def breach_to_stable(samples: list[Sample], bad: str) -> float:
    from_bad = [s for s in samples if s.version == bad]
    breach = next(s.at for s in from_bad if s.status == 500)
    return max(s.at for s in from_bad) - breach


SCENARIOS: dict[str, dict[str, Any]] = {
    # turns bad during the 50 % step; "per_s" is the bad version's share of the load, so the
    # breach falls at a random phase of the analysis cadence (errors_after + up to 1 s of it)
    "canary": {"strategy": "canary", "steps": [25, 50, 100], "errors_after": 40, "per_s": 25},
    # turns bad ~1-2 s after the switch, during the post-switch verification
    "blue-green": {"strategy": "blue-green", "errors_after": 100, "per_s": 100},
    # 2 replicas, 1 at a time: the stopped old replica has to be started again
    "rolling": {"strategy": "rolling", "replicas": 2, "errors_after": 60, "per_s": 50},
    # promoted (one 100 % step), turns bad ~2.5 s later: observe rolls back
    "observe (after promotion)": {
        "strategy": "canary",
        "steps": [100],
        "errors_after": 250,
        "per_s": 100,
        "observe": True,
    },
}


async def scenario(
    board: Any, root: Path, spec: dict[str, Any], rng: random.Random
) -> tuple[float, int, int, float]:
    project = f"bench{uuid.uuid4().hex[:8]}"
    repo = root / project
    cache = Path(os.environ["ORCHESTRA_CACHE_DIR"])
    config = app_config(
        project,
        strategy=spec["strategy"],
        steps=spec.get("steps"),
        interval=INTERVAL_S,
        failure_limit=FAILURE_LIMIT,
        replicas=spec.get("replicas", 1),
        scale_down_delay=30,
        watch=20,
    )
    try:
        write_app(repo)
        first = await run_stages(board, [Deploy()], repo, config, stages=("deploy",))
        url = first.data("deploy:web")["url"]
        async with Load(url, rate=RATE, concurrency=4, max_seconds=90) as load:
            errors_after = spec["errors_after"] + rng.randint(0, int(spec["per_s"] * INTERVAL_S))
            write_app(repo, error_rate=0.5, errors_after=errors_after)
            stages = ("deploy", "observe") if spec.get("observe") else ("deploy",)
            done = await run_stages(board, [Deploy(), Observe()], repo, config, stages=stages)
            mark = load.count()
            await eventually(lambda: load.count() >= mark + 50, timeout=20, what="traffic after")
        [event] = done.of_kind("rollback")
        bad = event.data["from"]
        return (
            breach_to_stable(load.samples, bad),
            load.failed,
            load.statuses(bad)[500],
            float(event.data["switch_s"]),
        )
    finally:
        await teardown(cache, project)


async def restart_in_place(root: Path) -> tuple[float, int]:
    """The baseline: no strategy, the one process stopped and started again behind the router."""
    from capabilities.deploy.runtimes import AppSpec

    cache = Path(os.environ["ORCHESTRA_CACHE_DIR"])
    project = f"bench{uuid.uuid4().hex[:8]}"
    folder = write_app(root / project)
    runtime = LocalRuntime(cache, project, "web")
    await runtime.prepare()
    import sys

    app = AppSpec("web", "v1", argv=(sys.executable, "app.py"), cwd=folder, env={"PATH": os.environ["PATH"]})
    try:
        instance = await runtime.start(app, "stable", 0)
        await runtime.wait_healthy(instance, "/health", 30)
        await runtime.route([VersionRoute(version="v1", weight=1, upstreams=(instance.address,))], "v1")
        async with Load(runtime.url, rate=RATE, concurrency=4, max_seconds=60) as load:
            await eventually(lambda: load.count() >= 100, timeout=20, what="traffic before")
            stopped = time.monotonic()
            await runtime.stop(instance, drain_s=0)
            instance = await runtime.start(app, "stable", 0)
            await runtime.wait_healthy(instance, "/health", 30)
            await runtime.route([VersionRoute(version="v1", weight=1, upstreams=(instance.address,))], "v1")
            back = time.monotonic()
            mark = load.count()
            await eventually(lambda: load.count() >= mark + 50, timeout=20, what="traffic after")
        return back - stopped, load.failed
    finally:
        await teardown(cache, project)


async def main(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-rollback-"))
    os.environ["ORCHESTRA_CACHE_DIR"] = str(workdir / "cache")
    console.print(f"[dim]work in {workdir}; load {RATE:.0f} req/s on loopback; interval {INTERVAL_S} s[/]")
    measures: list[Measure] = []
    rng = random.Random(args.seed)
    async with connect(BoardSettings(redis_url=None, namespace="bench")) as board:
        for name, spec in SCENARIOS.items():
            if args.only and args.only not in name:
                continue
            m = Measure(name)
            for _ in range(args.repeat):
                took, failed, bad_500s, switch_s = await scenario(board, workdir, spec, rng)
                m.breach_to_stable_s.append(took)
                m.failed.append(failed)
                m.bad_500s.append(bad_500s)
                m.switch_s.append(switch_s)
            measures.append(m)
            console.print(f"[dim]{name}: {m.breach_to_stable_s}[/]")
    restart = [await restart_in_place(workdir) for _ in range(args.repeat)]
    render(measures, restart)


def render(measures: list[Measure], restart: list[tuple[float, int]]) -> None:
    table = Table(title="Automatic rollback on the local runtime (worst and median of the repeats)")
    for col in (
        "scenario",
        "breach -> 100 % stable",
        "table switch",
        "failed requests",
        "bad 500s",
        "target",
    ):
        table.add_column(col, justify="left" if col in ("scenario", "target") else "right")
    table.add_row("baseline: analysis interval", f"{INTERVAL_S:.2f} s", "", "", "", "")
    table.add_row(
        "baseline: restart in place (no strategy)",
        f"{max(r[0] for r in restart):.2f} s (down)",
        "",
        str(max(r[1] for r in restart)),
        "",
        "",
    )
    for m in measures:
        worst = max(m.breach_to_stable_s)
        ok = statistics.median(m.breach_to_stable_s) <= TARGET_S and max(m.failed) == 0
        table.add_row(
            m.what,
            f"{worst:.2f} s (median {statistics.median(m.breach_to_stable_s):.2f})",
            f"{max(m.switch_s) * 1000:.0f} ms",
            str(max(m.failed)),
            str(max(m.bad_500s)),
            f"median <= {TARGET_S:.0f} s, 0 failed {'[green]ok[/]' if ok else '[red]missed[/]'}",
        )
    console.print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per scenario (the worst is shown)")
    parser.add_argument("--seed", type=int, default=5, help="of the breach phases")
    parser.add_argument("--only", default="", help="run the scenarios whose name holds this")
    parser.add_argument("--log-level", default="WARNING")
    logging.basicConfig(level=parser.parse_args().log_level, format="%(asctime)s %(name)s: %(message)s")
    anyio.run(main, parser.parse_args())
