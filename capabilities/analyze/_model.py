"""What one analyzer hands back: its findings, the tools it ran, the tools it had to skip."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..findings import Finding


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    """Tool -> why it did not run (``not installed``, ``not configured``)."""

    def merge(self, other: Outcome) -> Outcome:
        self.findings += other.findings
        self.ran += [t for t in other.ran if t not in self.ran]
        self.skipped.update(other.skipped)
        return self


@dataclass(frozen=True, slots=True)
class Target:
    """The service being analyzed: its folder, where that is in the repository, what to leave out."""

    root: Path
    """The repository checkout."""
    service_dir: Path
    prefix: str
    """The service's path in the repository with a trailing ``/`` (empty for the root), so
    findings name files as code-scanning viewers expect: relative to the repository."""
    exclude: frozenset[Path] = frozenset()
    """Folders of other services nested inside this one (a root service with ``frontend/``)."""

    def rel(self, path: Path) -> str:
        """``path`` (absolute, or relative to the service folder) as the repository sees it."""
        path = Path(path)
        if not path.is_absolute():
            return self.prefix + path.as_posix()
        for candidate in (path, path.resolve()):
            if candidate.is_relative_to(self.service_dir):
                return self.prefix + candidate.relative_to(self.service_dir).as_posix()
            if candidate.is_relative_to(self.root):  # elsewhere in the repository
                return candidate.relative_to(self.root).as_posix()
        return path.name
