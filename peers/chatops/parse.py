"""The grammar of ``/orchestra``: text in, one typed command out (or free text for the LLM).

    deploy <service> <ref>          fetch that ref, build and deploy it, answer in a thread
    rollback <service> [version]    traffic back to the last healthy version
    status [run]                    the board, or one run
    runs                            the latest runs
    approve <run> <task>            let a task waiting for an approval go on
    reject <run> <task> [reason]    fail it instead
    help

Anything else is free text (``please ship the frontend hotfix-v2``), which the LLM turns into
one of these, to be confirmed before anything changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from blackboard.models import ID_PATTERN
from capabilities.llm.schemas.chat import valid_ref

from .errors import BadCommand

_SERVICE = re.compile(r"^[a-z0-9][a-z0-9\-_]{0,62}$")
_ID = re.compile(ID_PATTERN)
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+\-]{0,127}$")

USAGE = {
    "deploy": "deploy <service> <ref>",
    "rollback": "rollback <service> [version]",
    "status": "status [run]",
    "runs": "runs",
    "approve": "approve <run> <task>",
    "reject": "reject <run> <task> [reason]",
    "help": "help",
}
COMMANDS = tuple(USAGE)
MUTATING = frozenset({"deploy", "rollback", "approve", "reject"})


@dataclass(frozen=True, slots=True)
class Deploy:
    service: str
    ref: str
    name = "deploy"


@dataclass(frozen=True, slots=True)
class RollbackCmd:
    service: str
    version: str | None = None
    name = "rollback"


@dataclass(frozen=True, slots=True)
class Status:
    run: str | None = None
    name = "status"


@dataclass(frozen=True, slots=True)
class Runs:
    name = "runs"


@dataclass(frozen=True, slots=True)
class Decide:
    run: str
    task: str
    approve: bool
    reason: str = ""

    @property
    def name(self) -> str:
        return "approve" if self.approve else "reject"

    @property
    def task_id(self) -> str:
        """The board's id of the task: ``<run>.<spec>``."""
        return self.task if self.task.startswith(f"{self.run}.") else f"{self.run}.{self.task}"


@dataclass(frozen=True, slots=True)
class Help:
    error: str = ""
    name = "help"


@dataclass(frozen=True, slots=True)
class FreeText:
    text: str
    name = "ask"


Command = Deploy | RollbackCmd | Status | Runs | Decide | Help | FreeText


def parse(text: str) -> Command:
    """The command ``text`` spells; free text when its first word is no command."""
    words = text.split()
    if not words:
        return Help()
    verb, args = words[0].lower(), words[1:]
    if verb not in USAGE:
        return FreeText(" ".join(words))
    try:
        return _parse(verb, args)
    except BadCommand as exc:
        return Help(str(exc))


def _parse(verb: str, args: list[str]) -> Command:
    def usage() -> BadCommand:
        return BadCommand(f"usage: {USAGE[verb]}")

    if verb == "deploy":
        if len(args) != 2:
            raise usage()
        return Deploy(_service(args[0]), _ref(args[1]))
    if verb == "rollback":
        if len(args) not in (1, 2):
            raise usage()
        return RollbackCmd(_service(args[0]), _version(args[1]) if len(args) == 2 else None)
    if verb == "status":
        if len(args) > 1:
            raise usage()
        return Status(_id(args[0], "run") if args else None)
    if verb == "runs":
        if args:
            raise usage()
        return Runs()
    if verb in ("approve", "reject"):
        if len(args) < 2 or (verb == "approve" and len(args) > 2):
            raise usage()
        run, task = _id(args[0], "run"), args[1]
        spec = task.split(".", 1)[1] if task.startswith(f"{run}.") else task
        _id(spec, "task")
        return Decide(run, spec, verb == "approve", " ".join(args[2:])[:500])
    return Help()


def canonical(command: Command) -> str:
    """The command as it would be typed after ``/orchestra`` (what a confirmation runs)."""
    match command:
        case Deploy(service, ref):
            return f"deploy {service} {ref}"
        case RollbackCmd(service, version):
            return f"rollback {service}" + (f" {version}" if version else "")
        case Status(run):
            return "status" + (f" {run}" if run else "")
        case Decide(run, task, approve, reason):
            return f"{'approve' if approve else 'reject'} {run} {task}" + (f" {reason}" if reason else "")
        case Runs():
            return "runs"
        case FreeText(text):
            return text
    return "help"


def _service(value: str) -> str:
    if not _SERVICE.match(value):
        raise BadCommand(f"{value[:64]!r} is not a service name")
    return value


def _ref(value: str) -> str:
    if not valid_ref(value):
        raise BadCommand(f"{value[:64]!r} is not a branch, tag or commit")
    return value


def _version(value: str) -> str:
    if not _VERSION.match(value):
        raise BadCommand(f"{value[:64]!r} is not a version")
    return value


def _id(value: str, what: str) -> str:
    if not _ID.match(value):
        raise BadCommand(f"{value[:64]!r} is not a {what} id")
    return value
