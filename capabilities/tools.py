"""Running the tools of the field (ruff, pytest, npm, hadolint, terraform, ...): argument lists,
a timeout, bounded output, never a shell."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import anyio
from anyio.abc import Process
from anyio.streams.text import TextReceiveStream

log = logging.getLogger(__name__)

MAX_OUTPUT = 2 * 1024 * 1024
"""Characters kept of each of stdout and stderr (the tail, where the errors are)."""


@dataclass(frozen=True, slots=True)
class ToolResult:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    @property
    def output(self) -> str:
        """stdout then stderr, for a log or an error message."""
        return "\n".join(p for p in (self.stdout.strip(), self.stderr.strip()) if p)

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output.splitlines()[-lines:])


def which(tool: str, extra_paths: Sequence[Path] = ()) -> str | None:
    """Where a tool is: the given folders first (a venv's bin/), then PATH."""
    for folder in extra_paths:
        candidate = folder / tool
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(tool)


async def run_tool(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 600.0,
    stdin: bytes | None = None,
    inherit_env: bool = True,
) -> ToolResult:
    """Run ``args`` to completion. A tool that is not installed gives returncode 127; one that
    runs past ``timeout_s`` is killed (its whole process group) and reported as timed out."""
    full_env = {**(os.environ if inherit_env else {}), **(env or {})}
    started = time.monotonic()
    cmd = [str(a) for a in args]
    if shutil.which(cmd[0], path=full_env.get("PATH")) is None and not Path(cmd[0]).is_file():
        return ToolResult(tuple(cmd), 127, "", f"{cmd[0]}: not installed", 0.0)
    out: list[str] = []
    err: list[str] = []
    timed_out = False
    async with await anyio.open_process(
        cmd, cwd=cwd, env=full_env, stdin=None if stdin is None else -1, start_new_session=True
    ) as proc:
        try:
            with anyio.fail_after(timeout_s):
                async with anyio.create_task_group() as tg:
                    if proc.stdout:
                        tg.start_soon(_drain, proc.stdout, out)
                    if proc.stderr:
                        tg.start_soon(_drain, proc.stderr, err)
                    if stdin is not None and proc.stdin:
                        await proc.stdin.send(stdin)
                        await proc.stdin.aclose()
                    await proc.wait()
        except TimeoutError:
            timed_out = True
            _kill_group(proc)
            with anyio.CancelScope(shield=True):
                await proc.wait()
        except BaseException:
            _kill_group(proc)
            raise
    result = ToolResult(
        tuple(cmd),
        proc.returncode if proc.returncode is not None else -1,
        "".join(out)[-MAX_OUTPUT:],
        "".join(err)[-MAX_OUTPUT:],
        round(time.monotonic() - started, 3),
        timed_out,
    )
    log.debug("%s -> %s in %.2fs", cmd[0], result.returncode, result.duration_s)
    return result


async def _drain(stream: anyio.abc.ByteReceiveStream, into: list[str]) -> None:
    size = 0
    async for chunk in TextReceiveStream(stream, errors="replace"):
        into.append(chunk)
        size += len(chunk)
        if size > 2 * MAX_OUTPUT:  # keep memory bounded: drop the oldest half
            joined = "".join(into)[-MAX_OUTPUT:]
            into.clear()
            into.append(joined)
            size = len(joined)


def _kill_group(proc: Process) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
