"""Detached processes: the router and the local runtime's versions outlive the peer that
started them, so they are started in their own session through a short-lived launcher
(their parent is then init, never a zombie of the peer) and recorded by pid and start time,
which is what a later call checks before it signals anything."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import anyio
import psutil

from ..errors import CapabilityError

# Every descriptor the launcher inherited beyond 0-2 is made close-on-exec first: some event
# loops (uvloop) hand their pipes down without it, and a grandchild holding the launcher's
# stdout pipe would keep the caller waiting for an end-of-file that never comes.
_LAUNCHER = (
    "import os,sys\n"
    "for fd in [int(f) for f in os.listdir('/proc/self/fd')]:\n"
    "    if fd>2:\n"
    "        try: os.set_inheritable(fd,False)\n"
    "        except OSError: pass\n"
    "log=os.open(sys.argv[1],os.O_WRONLY|os.O_CREAT|os.O_APPEND,0o644)\n"
    "null=os.open(os.devnull,os.O_RDONLY)\n"
    "acts=[(os.POSIX_SPAWN_DUP2,null,0),(os.POSIX_SPAWN_DUP2,log,1),(os.POSIX_SPAWN_DUP2,log,2)]\n"
    "print(os.posix_spawnp(sys.argv[2],sys.argv[2:],os.environ,file_actions=acts,setsid=True))\n"
)


class SpawnError(CapabilityError):
    """A process could not be started."""


async def spawn_detached(
    argv: Sequence[str], *, cwd: Path | None, env: Mapping[str, str], log_path: Path
) -> tuple[int, float]:
    """Start ``argv`` in a new session with stdout/stderr appended to ``log_path``; returns
    (pid, start time). The environment is exactly ``env`` (nothing inherited)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    launcher = [sys.executable, "-S", "-c", _LAUNCHER, str(log_path), *argv]
    try:
        with anyio.fail_after(30):
            done = await anyio.run_process(launcher, cwd=cwd, env=dict(env), check=False)
    except (OSError, TimeoutError) as exc:
        raise SpawnError(f"could not start {argv[0]}: {exc}") from exc
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        raise SpawnError(f"could not start {argv[0]}: {message[0]}")
    pid = int(done.stdout.decode().strip())
    return pid, started_at(pid) or 0.0


def started_at(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def alive(pid: int, created: float | None) -> bool:
    """Is ``pid`` still the process we started (same start time) and not a zombie?"""
    try:
        proc = psutil.Process(pid)
        if created and abs(proc.create_time() - created) > 0.5:
            return False
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


async def terminate(pid: int, created: float | None, grace_s: float = 5.0) -> None:
    """SIGTERM the process group, then SIGKILL after ``grace_s``; only if it is still ours."""
    if not alive(pid, created):
        return
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while alive(pid, created):
        if time.monotonic() > deadline:
            _signal_group(pid, signal.SIGKILL)
            break
        await anyio.sleep(0.01)  # polling the process's exit against the grace deadline
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        if not alive(pid, created):
            return
        await anyio.sleep(0.01)  # after SIGKILL: until the kernel has it gone
