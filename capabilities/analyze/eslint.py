"""ESLint, only when the repository configures it, run from the service's own node_modules."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from ..envs import node_env
from ..errors import TaskFailed
from ..findings import Finding, Level
from ..tools import run_tool
from ._model import Outcome, Target

log = logging.getLogger(__name__)

CONFIG_FILES = (
    "eslint.config.js",
    "eslint.config.mjs",
    "eslint.config.cjs",
    "eslint.config.ts",
    "eslint.config.mts",
    "eslint.config.cts",
    ".eslintrc",
    ".eslintrc.js",
    ".eslintrc.cjs",
    ".eslintrc.yaml",
    ".eslintrc.yml",
    ".eslintrc.json",
)
ESLINT_TIMEOUT_S = 600.0


def eslint_configured(service_dir: Path, package: dict[str, Any]) -> bool:
    return "eslintConfig" in package or any((service_dir / name).is_file() for name in CONFIG_FILES)


def parse_eslint(target: Target, output: str) -> list[Finding]:
    findings = []
    for report in json.loads(output or "[]"):
        for msg in report.get("messages", []):
            rule = msg.get("ruleId") or ("parse-error" if msg.get("fatal") else "eslint")
            level: Level = "error" if msg.get("severity") == 2 or msg.get("fatal") else "warning"
            findings.append(
                Finding(
                    "eslint",
                    rule,
                    str(msg.get("message", "")).strip(),
                    target.rel(Path(report["filePath"])),
                    int(msg.get("line") or 0),
                    int(msg.get("column") or 0),
                    level,
                )
            )
    return findings


async def run_eslint(target: Target, package: dict[str, Any], cache_dir: Path) -> Outcome:
    outcome = Outcome()
    if not eslint_configured(target.service_dir, package):
        outcome.skipped["eslint"] = "not configured"
        return outcome
    try:
        await node_env(target.service_dir, cache_dir)
    except TaskFailed as exc:
        outcome.skipped["eslint"] = f"could not install the service's node_modules: {str(exc)[:200]}"
        return outcome
    eslint = target.service_dir / "node_modules" / ".bin" / "eslint"
    if not eslint.exists():
        outcome.skipped["eslint"] = "configured, but eslint is not in the service's devDependencies"
        return outcome
    result = await run_tool(
        [str(eslint), "--format", "json", "--no-error-on-unmatched-pattern", "."],
        cwd=target.service_dir,
        timeout_s=ESLINT_TIMEOUT_S,
    )
    if result.returncode not in (0, 1) or result.timed_out:
        why = "timed out" if result.timed_out else (result.output.strip().splitlines() or ["failed"])[0]
        outcome.skipped["eslint"] = f"eslint could not run: {why}"[:300]
        return outcome
    try:
        outcome.findings += parse_eslint(target, result.stdout)
    except (ValueError, KeyError) as exc:
        outcome.skipped["eslint"] = f"eslint's output was not its JSON report: {exc}"[:300]
        return outcome
    outcome.ran.append("eslint")
    return outcome
