"""The ``diagnose`` task: a failed stage's log and the known incidents retrieval found for it (the
variables), and an explanation that cites one of them (the answer).

:func:`diagnosis_schema` narrows ``incident`` to the candidates' ids, so the answer can only cite
an incident the knowledge base holds. The fixes a retry applies come from the rules, never from
this answer: it explains and suggests.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, create_model

MAX_LOG = 6_000
"""Characters of the log a prompt carries (its end, where the error is)."""
INCIDENT_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Candidate(_Model):
    """A known incident retrieval ranked for the log."""

    id: str = Field(pattern=INCIDENT_PATTERN)
    title: str
    cause: str = Field(default="", max_length=1200)
    fix: str = Field(default="", max_length=1200)
    score: float = 0.0
    evidence: list[str] = Field(default_factory=list, max_length=5)
    """Lines of the log that matched the incident's signatures."""


class DiagnoseRequest(_Model):
    """The variables of the ``diagnose`` task."""

    stage: str
    failed: str
    """The failed task (``build:backend``)."""
    service: str = ""
    log: str = Field(max_length=MAX_LOG)
    """The end of the failure's log, secrets redacted."""
    candidates: list[Candidate] = Field(default_factory=list, max_length=5)
    """Best first."""
    recognised: list[str] = Field(default_factory=list)
    """Titles of the exact rules that matched (their fixes are applied by the retry)."""


class Diagnosis(_Model):
    """The answer of the ``diagnose`` task."""

    incident: str | None = Field(default=None, pattern=INCIDENT_PATTERN)
    """The id of the candidate that explains the failure; None when none does."""
    explanation: str = Field(min_length=1, max_length=400)
    """What went wrong, in one or two sentences."""
    suggestion: str = Field(min_length=1, max_length=400)
    """What to change, in one or two sentences."""


def diagnosis_schema(ids: Sequence[str]) -> type[Diagnosis]:
    """:class:`Diagnosis` whose ``incident`` is one of ``ids`` (or None when there are none)."""
    return _narrowed(tuple(ids)) if ids else Diagnosis


@functools.cache
def _narrowed(ids: tuple[str, ...]) -> type[Diagnosis]:
    incident = cast(Any, Literal)[ids]
    narrowed: type[Diagnosis] = create_model("Diagnosis", __base__=Diagnosis, incident=(incident, ...))
    return narrowed
