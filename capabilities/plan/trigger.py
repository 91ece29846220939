"""What started a run: a push, a pull request, a CLI or chat request."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

ZERO_SHA = "0" * 40


def repo_name(url: str) -> str:
    """``https://github.com/acme/shop.git`` -> ``shop``."""
    return url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") or "repo"


class Trigger(BaseModel):
    """Travels in the plan task's inputs; everything a planner needs about the event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event: Literal["push", "pull_request", "manual"] = "manual"
    source: Literal["webhook", "cli", "chat", "api"] = "cli"
    repo: str
    """Clone URL the peers fetch from (``file://`` or ``https://``)."""
    commit: str
    branch: str
    """The pushed branch, or a pull request's head branch."""
    base: str | None = None
    """A pull request's base branch."""
    pr: int | None = None
    full_name: str | None = None
    """``owner/repo`` on GitHub, for statuses and comments."""
    name: str | None = None
    """The repository's name (the default project and service name)."""
    changed: tuple[str, ...] | None = None
    """Paths the event changed, when known; None means unknown (plan every service)."""
    sender: str | None = None
    delivery: str | None = None
    only: tuple[str, ...] | None = None
    """Plan only these stages (``orchestra run --only``)."""
    services: tuple[str, ...] | None = None
    """Plan only these services (``/orchestra deploy backend``)."""
