"""The ``review`` task: a change (the variables) and advisory comments on it (the answer).

Comments are advice in the analysis report, never a gate. :func:`review_schema` narrows the
answer to the files the change touches, so a model cannot comment on a file that is not in it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, create_model

MAX_DIFF = 12_000
"""Characters of the diff a prompt carries (its beginning: the first files in full)."""
CommentKind = Literal["bug", "security", "performance", "reliability", "style", "tests", "docs"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReviewRequest(_Model):
    """The variables of the ``review`` task."""

    service: str
    files: list[str] = Field(min_length=1, max_length=200)
    """The files the change touches (paths in the repository)."""
    diff: str = Field(max_length=MAX_DIFF)
    """The unified diff, cut at :data:`MAX_DIFF` characters, secrets redacted."""
    added: int = 0
    removed: int = 0
    findings: list[str] = Field(default_factory=list, max_length=20)
    """What the analyzers already reported (``file:line rule message``): not to be repeated."""


class ReviewComment(_Model):
    file: str = Field(max_length=300)
    line: int = Field(default=0, ge=0, le=1_000_000)
    """A line of the new file; 0 for the file as a whole."""
    kind: CommentKind = "style"
    message: str = Field(min_length=1, max_length=300)


class Review(_Model):
    """The answer of the ``review`` task."""

    summary: str = Field(default="", max_length=400)
    comments: list[ReviewComment] = Field(default_factory=list, max_length=8)


def review_schema(files: Sequence[str]) -> type[Review]:
    """:class:`Review` whose comments may name only ``files``."""
    return _narrowed(tuple(sorted(set(files)))) if files else Review


@functools.cache
def _narrowed(files: tuple[str, ...]) -> type[Review]:
    name = cast(Any, Literal)[files]
    comment = create_model("ReviewComment", __base__=ReviewComment, file=(name, ...))
    narrowed: type[Review] = create_model(
        "Review",
        __base__=Review,
        comments=(list[comment], Field(default_factory=list, max_length=8)),  # type: ignore[valid-type]
    )
    return narrowed
