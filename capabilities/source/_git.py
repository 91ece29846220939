"""Run git: argument lists, a timeout, a clear error with git's own message."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import anyio

from ..errors import CapabilityError

GIT_TIMEOUT_S = 300.0


class GitError(CapabilityError):
    """A git command failed or timed out."""


_QUIET_ENV = {
    "GIT_TERMINAL_PROMPT": "0",  # never wait for a password on a terminal
    "GIT_AUTHOR_NAME": "DevOps Orchestra",
    "GIT_AUTHOR_EMAIL": "orchestra@localhost",
    "GIT_COMMITTER_NAME": "DevOps Orchestra",
    "GIT_COMMITTER_EMAIL": "orchestra@localhost",
    "LC_ALL": "C",
}


async def git(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout_s: float = GIT_TIMEOUT_S,
    stdin: bytes | None = None,
) -> str:
    """``git args...``; returns stdout (stripped). Raises GitError with stderr on failure."""
    full_env = {**os.environ, **_QUIET_ENV, **(env or {})}
    cmd = ["git", *args]
    try:
        with anyio.fail_after(timeout_s):
            result = await anyio.run_process(cmd, cwd=cwd, env=full_env, input=stdin, check=False)
    except TimeoutError:
        raise GitError(f"git {args[0]} took longer than {timeout_s:.0f}s") from None
    except FileNotFoundError:
        raise GitError("git is not installed (apt-get install git)") from None
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip() or f"exit status {result.returncode}"
        raise GitError(f"git {' '.join(_redact(args))}: {message}")
    return result.stdout.decode(errors="replace").strip()


def redact_url(value: str) -> str:
    """Credentials embedded in a URL never reach an error message or a log line."""
    if "://" in value and "@" in value.split("://", 1)[1].split("/", 1)[0]:
        scheme, rest = value.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return value


def _redact(args: tuple[str, ...]) -> list[str]:
    return [redact_url(a) for a in args]
