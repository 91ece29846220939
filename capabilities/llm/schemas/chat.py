"""The ``chat_intent`` task: a chat message in plain words (the variables) and the command it
asks for (the answer).

``/orchestra please ship the frontend hotfix-v2`` becomes ``deploy frontend hotfix-v2``. The
answer only proposes: the bot shows the command it understood and runs it once the person who
asked confirms it (and is allowed to run it), so a wrong guess costs a click, never a deploy.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

IntentCommand = Literal["deploy", "rollback", "status", "runs", "approve", "reject", "help"]

SERVICE_PATTERN = r"^[a-z0-9][a-z0-9\-_]{0,62}$"
REF_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9._/@+\-]{0,199}$"
"""The shape of a ref; ``valid_ref`` adds git's rules a JSON-schema pattern cannot say."""
VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:+\-]{0,127}$"
RUN_PATTERN = r"^[0-9a-z]{9}-[0-9a-z]{8}$"
TASK_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_:\-]{0,127}$"

_REQUIRED: dict[str, tuple[str, ...]] = {
    "deploy": ("service",),
    "rollback": ("service",),
    "approve": ("run", "task"),
    "reject": ("run", "task"),
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChatRequest(_Model):
    """The variables of the ``chat_intent`` task."""

    text: str = Field(max_length=2000)
    """What the person wrote after the slash command."""
    services: list[str] = Field(default_factory=list)
    """The services of the project, so names can be matched."""
    default_ref: str | None = None
    """What ``deploy`` uses when the message names no ref (the first deploy branch)."""


class ChatIntent(_Model):
    """The answer of the ``chat_intent`` task: one command and its arguments, or none."""

    command: IntentCommand | None = None
    """None: the message asks for nothing the bot can do."""
    service: str | None = Field(default=None, pattern=SERVICE_PATTERN)
    ref: str | None = Field(default=None, pattern=REF_PATTERN)
    """``deploy``: the branch, tag or commit."""
    version: str | None = Field(default=None, pattern=VERSION_PATTERN)
    """``rollback``: the version named, if any."""
    run: str | None = Field(default=None, pattern=RUN_PATTERN)
    task: str | None = Field(default=None, pattern=TASK_PATTERN)
    reason: str = Field(default="", max_length=500)
    """What was understood, or why nothing was."""

    @field_validator("ref")
    @classmethod
    def _git_ref(cls, ref: str | None) -> str | None:
        if ref is not None and not valid_ref(ref):
            raise ValueError(f"{ref!r} is not a valid git ref name")
        return ref

    def missing(self) -> list[str]:
        """Arguments the command needs that the answer did not give."""
        needed = _REQUIRED.get(self.command or "", ())
        return [name for name in needed if getattr(self, name) is None]

    def words(self) -> list[str]:
        """The command as typed after the slash command (``deploy frontend hotfix-v2``)."""
        if self.command is None:
            return []
        args: list[str | None] = {
            "deploy": [self.service, self.ref],
            "rollback": [self.service, self.version],
            "status": [self.run],
            "approve": [self.run, self.task],
            "reject": [self.run, self.task],
        }.get(self.command, [])
        return [self.command, *(a for a in args if a)]


def valid_ref(ref: str) -> bool:
    """A branch, tag or sha git takes as an argument: not an option, no ``..``, ``//``, ``@{``,
    no trailing ``/``, ``.`` or ``.lock``."""
    return (
        bool(re.match(REF_PATTERN, ref))
        and not any(bad in ref for bad in ("..", "//", "@{"))
        and not ref.endswith(("/", ".", ".lock"))
    )
