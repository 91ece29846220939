"""Test commands as argv: split without a shell, and recognised so a runner can add its coverage
and JUnit options (``python -m pytest -q`` -> pytest with ``-q``)."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import TaskFailed

SHELL_OPERATORS = frozenset({"&&", "||", ";", "|", ">", ">>", "<", "&", "2>&1"})
PYTHONS = frozenset({"python", "python3"})
NPM_TEST = ({"npm", "yarn", "pnpm"}, {"test", "t"})


def split(command: str | Sequence[str], where: str) -> list[str]:
    """``command`` as argv; shell syntax is refused (tests never run through a shell)."""
    argv = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
    if not argv:
        raise TaskFailed(f"{where} is empty")
    operators = sorted(set(argv) & SHELL_OPERATORS)
    if operators:
        raise TaskFailed(
            f"{where} {' '.join(argv)!r} uses shell syntax ({' '.join(operators)}); tests are run without a "
            "shell: give one command, or put the steps in a script and name the script"
        )
    return argv


@dataclass(frozen=True, slots=True)
class Recognised:
    runner: str
    """pytest | unittest | node | jest | mocha | npm | custom"""
    args: tuple[str, ...]
    """For pytest, unittest, jest and mocha the runner's own arguments; for node the argv after
    ``node``; otherwise the whole command."""


def _after_module(argv: list[str], module: str) -> tuple[str, ...] | None:
    if len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] in PYTHONS and argv[1:3] == ["-m", module]:
        return tuple(argv[3:])
    return None


def recognise(argv: Sequence[str]) -> Recognised:
    argv = list(argv)
    head = argv[0].rsplit("/", 1)[-1]
    if (args := _after_module(argv, "pytest")) is not None:
        return Recognised("pytest", args)
    if head in ("pytest", "py.test"):
        return Recognised("pytest", tuple(argv[1:]))
    if (args := _after_module(argv, "unittest")) is not None:
        return Recognised("unittest", args)
    if head == "npx" and len(argv) > 1:
        return recognise(argv[1:])
    if head == "node" and "--test" in argv[1:]:
        return Recognised("node", tuple(argv[1:]))
    if head in ("jest", "mocha"):
        return Recognised(head, tuple(argv[1:]))
    if head in NPM_TEST[0] and (argv[1:3] == ["run", "test"] or argv[1:2] in (["test"], ["t"])):
        return Recognised("npm", tuple(argv))
    return Recognised("custom", tuple(argv))
