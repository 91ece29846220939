"""Running the tools of the field (ruff, pytest, npm, hadolint, terraform, ...): argument lists,
a timeout, bounded output, never a shell.

Each run is a span (``tool <name>``) under the current one (the task attempt), with the tool's
name, exit code and whether it timed out: never its arguments or environment, which may hold
secrets.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import anyio
from anyio.abc import Process
from anyio.streams.text import TextReceiveStream
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

log = logging.getLogger(__name__)

MAX_OUTPUT = 2 * 1024 * 1024
"""Characters kept of each of stdout and stderr (the tail, where the errors are)."""
SUBCOMMAND_TOOLS = frozenset(
    {"git", "npm", "npx", "yarn", "pnpm", "terraform", "docker", "podman", "kubectl", "helm", "go", "pip"}
)
"""Tools whose first argument (a plain word) names what they do: ``tool terraform plan``."""
_WORD = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,60}$")

_tracer = trace.get_tracer(__name__)


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
    label = tool_label(args)
    with _tracer.start_as_current_span(
        f"tool {label}",
        attributes={"process.executable.name": Path(str(args[0])).name, "orchestra.tool": label},
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        result = await _run_tool(args, cwd, env, timeout_s, stdin, inherit_env)
        span.set_attribute("process.exit.code", result.returncode)
        span.set_attribute("orchestra.tool.timed_out", result.timed_out)
        if not result.ok:
            span.set_status(Status(StatusCode.ERROR, "timed out" if result.timed_out else "non-zero exit"))
        return result


def tool_label(args: Sequence[str]) -> str:
    """What a span calls a tool run: its name, and for a few tools the subcommand or module
    (``git fetch``, ``python -m pytest``); never other arguments, which may hold secrets."""
    name = Path(str(args[0])).name
    rest = [str(a) for a in args[1:3]]
    if name.startswith("python") and len(rest) == 2 and rest[0] == "-m" and _MODULE.match(rest[1]):
        return f"{name} -m {rest[1]}"
    if name in SUBCOMMAND_TOOLS and rest and _WORD.match(rest[0]):
        return f"{name} {rest[0]}"
    return name


async def _run_tool(
    args: Sequence[str],
    cwd: Path | None,
    env: Mapping[str, str] | None,
    timeout_s: float,
    stdin: bytes | None,
    inherit_env: bool,
) -> ToolResult:
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
