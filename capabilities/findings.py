"""Findings of analysis and scanning tools, one shape for all: SARIF out, a Markdown summary,
and the gates the config sets."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Level = Literal["note", "warning", "error"]
Security = Literal["low", "medium", "high", "critical"]

LEVEL_RANK: dict[str, int] = {"note": 0, "warning": 1, "error": 2}
SECURITY_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2, "critical": 3}
_SECURITY_LEVEL: dict[str, Level] = {"low": "note", "medium": "warning", "high": "error", "critical": "error"}


@dataclass(frozen=True, slots=True)
class Finding:
    tool: str
    """ruff, syntax, imports, node, eslint, bandit, hadolint, checkov, secrets, ..."""
    rule: str
    message: str
    file: str
    """Relative to the service (or repository) root, forward slashes."""
    line: int = 0
    column: int = 0
    level: Level = "warning"
    security: Security | None = None
    """For security findings: the severity the scan gate compares."""
    help_uri: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return (
            f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")
            if self.line
            else self.file
        )

    def __str__(self) -> str:
        sev = self.security or self.level
        return f"{self.where}: {self.rule} [{sev}] {self.message}"


def security_level(severity: Security) -> Level:
    return _SECURITY_LEVEL[severity]


def at_or_above_level(findings: Iterable[Finding], threshold: str) -> list[Finding]:
    if threshold == "never":
        return []
    return [f for f in findings if LEVEL_RANK[f.level] >= LEVEL_RANK[threshold]]


def at_or_above_security(findings: Iterable[Finding], threshold: str) -> list[Finding]:
    if threshold == "never":
        return []
    return [f for f in findings if f.security and SECURITY_RANK[f.security] >= SECURITY_RANK[threshold]]


def to_sarif(findings: Sequence[Finding], tools: Sequence[str] | None = None) -> dict[str, Any]:
    """SARIF 2.1.0: one run per tool, so code-scanning viewers show where each came from."""
    by_tool: dict[str, list[Finding]] = {}
    for t in tools or []:
        by_tool.setdefault(t, [])
    for f in findings:
        by_tool.setdefault(f.tool, []).append(f)
    runs = []
    for tool, items in by_tool.items():
        rules: dict[str, dict[str, Any]] = {}
        results = []
        for f in items:
            rule = rules.setdefault(f.rule, {"id": f.rule, "shortDescription": {"text": f.rule}})
            if f.help_uri:
                rule["helpUri"] = f.help_uri
            result: dict[str, Any] = {
                "ruleId": f.rule,
                "level": f.level,
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": f.file},
                            **(
                                {"region": {"startLine": f.line, "startColumn": max(1, f.column)}}
                                if f.line
                                else {}
                            ),
                        }
                    }
                ],
            }
            if f.security:
                result["properties"] = {"security-severity": f.security}
            results.append(result)
        runs.append(
            {
                "tool": {
                    "driver": {
                        "name": tool,
                        "informationUri": "https://github.com/",
                        "rules": list(rules.values()),
                    }
                },
                "results": results,
            }
        )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": runs,
    }


def markdown_summary(
    title: str, findings: Sequence[Finding], skipped: dict[str, str] | None = None, limit: int = 50
) -> str:
    counts = Counter(f.security or f.level for f in findings)
    lines = [f"## {title}", ""]
    if not findings:
        lines.append("No findings.")
    else:
        lines.append(", ".join(f"{n} {sev}" for sev, n in sorted(counts.items())))
        lines += ["", "| where | tool | rule | severity | message |", "| --- | --- | --- | --- | --- |"]
        for f in findings[:limit]:
            msg = f.message.replace("|", "\\|")[:200]
            lines.append(f"| `{f.where}` | {f.tool} | {f.rule} | {f.security or f.level} | {msg} |")
        if len(findings) > limit:
            lines.append(f"| … | | | | {len(findings) - limit} more in the SARIF file |")
    for tool, why in (skipped or {}).items():
        lines.append(f"- {tool} skipped: {why}")
    return "\n".join(lines) + "\n"
