"""A release: what the build stage hands to the deploy stage for one service.

Stored on the board as the artifact ``release/<service>.json`` of the run. A local release is
the source at a commit plus a cached dependency environment and a start command; the deploy
peer re-creates it from the mirror and the env cache (instantly on the host that built it,
by fetching and installing on any other). An image release names an image by digest.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


def artifact_name(service: str) -> str:
    return f"release/{service}.json"


class Release(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    service: str
    version: str
    """Short commit plus the build's attempt: what deploy history and traffic splits name."""
    kind: Literal["local", "image", "artifact"]
    repo: str
    commit: str
    path: str = "."
    """The service's folder in the repository."""
    language: str = "unknown"
    start: list[str] = Field(default_factory=list)
    """Argv that starts the service, run from its folder (``python``/``npm`` resolved at deploy)."""
    port: int | None = None
    health: str = "/health"
    env: dict[str, str] = Field(default_factory=dict)
    """Non-secret environment from the config; secrets are read at deploy time by name."""
    secret_names: list[str] = Field(default_factory=list)
    python_env: str | None = None
    """Key of the cached virtualenv (capabilities.envs.python)."""
    python_extras: list[str] = Field(default_factory=list)
    """Packages installed on top of the requirements (a diagnosis' fix); part of the env key."""
    npm_extras: list[str] = Field(default_factory=list)
    node_env: str | None = None
    image: str | None = None
    """``registry/name:tag`` for an image release."""
    digest: str | None = None
    """``sha256:...`` the registry reported for the pushed image."""
    artifact: str | None = None
    """The produced file for maven / npm / poetry / custom builds (relative to the service)."""
    dockerfile: Literal["repository", "generated", "none"] = "none"
    built_by: str = ""
