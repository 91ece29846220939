"""Errors of ``devops_orchestra.yaml``.

OrchestraError                 (blackboard.errors)
└── CapabilityError            (capabilities.errors)
    └── ConfigError            the file is not valid YAML or not a valid config; one Problem per mistake
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import CapabilityError


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in the file, where it is and what would fix it. Never carries a secret's value."""

    message: str
    path: str = ""
    """Where in the config, as ``deployment.services[0].port``; empty for the whole file."""
    line: int | None = None
    """1-based, like an editor shows it."""
    column: int | None = None
    """1-based."""
    hint: str | None = None

    def render(self, filename: str) -> str:
        where = filename
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class ConfigError(CapabilityError):
    """``devops_orchestra.yaml`` is not valid YAML or not a valid config; one Problem per mistake."""

    def __init__(self, problems: Sequence[Problem], filename: str = "devops_orchestra.yaml") -> None:
        self.problems = tuple(problems)
        self.filename = filename
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One line per problem: ``devops_orchestra.yaml:12:9: deployment.services[0].port: ...``."""
        return [p.render(self.filename) for p in self.problems]
