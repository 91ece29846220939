"""What stack detection finds in a repository: one entry per deployable service."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ServiceStack:
    name: str
    """``backend``, ``frontend``, or the repository's directory name for a single service."""
    path: str
    """Relative to the repository root; ``.`` for the root."""
    language: str
    """python | node | go | java | static | unknown"""
    framework: str | None = None
    """flask | fastapi | django | express | next | react | vite | spring | gin | ..."""
    package_manager: str | None = None
    """pip | poetry | pipenv | npm | yarn | pnpm | go | maven | gradle"""
    entry: str | None = None
    """Python: ``app:app`` (module:object) or ``manage.py``; Node: ``server.js``; Go: ``.``."""
    start: tuple[str, ...] = ()
    """Command that starts the service locally, as argv (run from the service's path)."""
    port: int | None = None
    health_path: str | None = None
    """A route that looks like a health check (``/health``, ``/healthz``), when there is one."""
    test_framework: str | None = None
    """pytest | unittest | jest | mocha | node | go | maven | gradle"""
    test_command: tuple[str, ...] = ()
    dependencies: tuple[str, ...] = ()
    """Declared dependency names, normalised (lower case, ``-`` for ``_``)."""
    runtime_version: str | None = None
    """``3.12`` for Python, ``20`` for Node, ``1.22`` for Go, ``17`` for Java, when declared."""
    static_root: str | None = None
    """For static sites and built frontends: the folder to serve."""
    evidence: tuple[str, ...] = field(default_factory=tuple)
    """What each guess came from, shown to the user (``framework flask: requirements.txt``)."""


@dataclass(frozen=True, slots=True)
class RepoStack:
    root: Path
    services: tuple[ServiceStack, ...]

    @property
    def monorepo(self) -> bool:
        return len(self.services) > 1

    def service(self, name: str) -> ServiceStack:
        for s in self.services:
            if s.name == name:
                return s
        raise KeyError(name)
