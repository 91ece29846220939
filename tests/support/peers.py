"""Peers for tests: in-process (``running_peer``) and as real processes (``PeerProcess``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import redis

from blackboard import Board
from capabilities import Capability
from peers import Peer, PeerSettings

from .wait import eventually_sync

ROOT = Path(__file__).resolve().parents[2]


@asynccontextmanager
async def running_peer(
    board: Board, capabilities: Sequence[Capability], **settings: Any
) -> AsyncIterator[Peer]:
    settings.setdefault("block_ms", 200)
    peer = Peer(
        board,
        PeerSettings(board=board.settings, capabilities=tuple(c.name for c in capabilities), **settings),
        capabilities,
    )
    async with anyio.create_task_group() as tg:
        tg.start_soon(peer.run)
        await peer.wait_ready()
        try:
            yield peer
        finally:
            peer.stop()


class PeerProcess:
    """``orchestra peer`` as a real process, loading the test capabilities."""

    def __init__(
        self,
        redis_url: str,
        namespace: str,
        name: str,
        log_dir: Path,
        capabilities: str = "noop,sleep,fail,echo,grow",
        lease_ms: int = 1000,
        concurrency: int = 4,
        grace_s: float = 5.0,
        load: str = "tests.support.capabilities",
        log_level: str = "INFO",
    ) -> None:
        self.redis_url = redis_url
        self.namespace = namespace
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.args = [
            sys.executable,
            "-m",
            "peers",
            "--redis-url",
            redis_url,
            "--namespace",
            namespace,
            "--log-level",
            log_level,
            "peer",
            "--capabilities",
            capabilities,
            "--load",
            load,
            "--name",
            name,
            "--lease-ms",
            str(lease_ms),
            "--concurrency",
            str(concurrency),
            "--grace",
            str(grace_s),
        ]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, wait: bool = True) -> PeerProcess:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_alive()
        return self

    def alive_on_board(self) -> bool:
        client = redis.Redis.from_url(self.redis_url)
        try:
            return bool(client.exists(f"{self.namespace}:peer:{self.name}"))
        finally:
            client.close()

    def wait_alive(self, timeout: float = 20.0) -> None:
        def up() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"peer {self.name} exited {self.proc.returncode}:\n{self.log()}")
            return self.alive_on_board()

        eventually_sync(up, timeout=timeout, what=f"peer {self.name} registered")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def send(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def terminate(self, timeout: float = 30.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
        return self.proc.wait(timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
