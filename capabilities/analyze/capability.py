"""The ``analyze`` capability: lint, syntax and missing modules for one service, as SARIF and
Markdown artifacts, then the quality gate (``analysis.fail_on``, ``analysis.max_warnings``).
With ``analysis.review`` the report also carries the LLM's advisory review of the change, which
never takes part in the gate."""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio

from blackboard import Claim

from ..base import Availability, Result
from ..config.models import Analysis, OrchestraConfig, Service
from ..context import Context
from ..detect import detect_service
from ..errors import TaskFailed
from ..findings import LEVEL_RANK, Finding, at_or_above_level, markdown_summary, to_sarif
from ..llm import stage_llm
from ..llm.uses import ReviewReport, review_change
from ..redact import Redactor
from ._model import Outcome, Target
from .node import analyze_node
from .python import analyze_python

log = logging.getLogger(__name__)

PY_MANIFESTS = ("requirements.txt", "pyproject.toml", "Pipfile", "setup.py", "setup.cfg")
NODE_LANGUAGES = ("node", "javascript", "typescript", "static")
SHOWN = 20
"""Findings listed in a gate failure and in the result data."""


def service_target(root: Path, config: OrchestraConfig, service: Service) -> Target:
    service_dir = (root / service.path).resolve()
    if not service_dir.is_dir() or root.resolve() not in (service_dir, *service_dir.parents):
        raise TaskFailed(
            f"service {service.name}: its path {service.path!r} is not a folder of the repository"
        )
    nested = {
        (root / s.path).resolve()
        for s in config.deployment.services
        if s.name != service.name and service_dir in (root / s.path).resolve().parents
    }
    prefix = "" if service.path.strip("/") in ("", ".") else service.path.strip("/") + "/"
    return Target(root.resolve(), service_dir, prefix, frozenset(nested))


def languages_of(service: Service, service_dir: Path) -> list[str]:
    language = (service.language or "").lower()
    if not language:
        found = detect_service(service_dir, service.name, service.path)
        language = found.language if found else "unknown"
    languages = []
    if language == "python" or any((service_dir / m).is_file() for m in PY_MANIFESTS):
        languages.append("python")
    if language in NODE_LANGUAGES or (service_dir / "package.json").is_file():
        languages.append("node")
    return languages or [language]


def gate(findings: list[Finding], rules: Analysis) -> list[str]:
    """Why the gate fails (empty when it passes): one paragraph per crossed limit."""
    reasons = []
    blocking = at_or_above_level(findings, rules.fail_on)
    if blocking:
        reasons.append(
            f"{len(blocking)} finding(s) at or above {rules.fail_on} (analysis.fail_on):\n"
            + _listing(blocking)
        )
    warnings = [f for f in findings if f.level == "warning"]
    if rules.max_warnings is not None and len(warnings) > rules.max_warnings:
        reasons.append(
            f"{len(warnings)} warning(s), more than analysis.max_warnings={rules.max_warnings}:\n"
            + _listing(warnings)
        )
    return reasons


def _listing(findings: list[Finding]) -> str:
    lines = [f"  {f.where} {f.rule} {f.message}" for f in findings[:SHOWN]]
    if len(findings) > SHOWN:
        lines.append(f"  … and {len(findings) - SHOWN} more")
    return "\n".join(lines)


class Analyze:
    name = "analyze"

    def available(self) -> Availability:
        return Availability.yes()  # the syntax and import checks need no tool; the rest is skipped

    async def run(self, task: Claim, ctx: Context) -> Result:
        config = await ctx.config()
        service = await ctx.service()
        root = await ctx.checkout()
        target = service_target(root, config, service)
        languages = await anyio.to_thread.run_sync(languages_of, service, target.service_dir)
        outcome = Outcome()
        if "python" in languages:
            outcome.merge(await analyze_python(target))
        if "node" in languages:
            outcome.merge(await analyze_node(target, ctx.host.cache_dir))
        if not {"python", "node"} & set(languages):
            outcome.skipped["analyzers"] = f"none for language {languages[0]}"
        redact = Redactor(config.secrets.keys)
        findings = sorted(
            (replace(f, message=redact(f.message)) for f in outcome.findings),
            key=lambda f: (-LEVEL_RANK[f.level], f.file, f.line, f.column, f.rule),
        )
        outcome.ran.sort()
        review = await self._review(ctx, config, service, findings) if config.analysis.review else None
        await self._write(ctx, service.name, findings, outcome, review)
        reasons = gate(findings, config.analysis)
        counts = Counter(f.level for f in findings)
        if reasons:
            raise TaskFailed(f"analysis of {service.name} failed the quality gate: " + "\n".join(reasons))
        summary = (
            f"{service.name}: {counts['error']} error(s), {counts['warning']} warning(s), "
            f"{counts['note']} note(s); gate passed (fail_on {config.analysis.fail_on})"
        )
        data = self._data(service.name, languages, findings, outcome, config.analysis)
        return Result(summary, data | ({"review": review.data} if review else {}))

    @staticmethod
    async def _review(
        ctx: Context, config: OrchestraConfig, service: Service, findings: list[Finding]
    ) -> ReviewReport | None:
        """Advisory comments on the change (``capabilities.llm.uses.review``); never fails."""
        llm, note = stage_llm(config.ai, cache=ctx.cache, secrets=config.secrets.keys)
        review = await review_change(ctx, llm, service.name, service.path, [str(f) for f in findings[:SHOWN]])
        if review is not None and note:
            review.data["note"] = note
        return review

    async def _write(
        self,
        ctx: Context,
        service: str,
        findings: list[Finding],
        outcome: Outcome,
        review: ReviewReport | None = None,
    ) -> None:
        sarif = to_sarif(findings, tools=[t.split(" ")[0] for t in outcome.ran])
        meta = {"service": service, "findings": len(findings)}
        await ctx.put_artifact(
            f"analyze/{service}.sarif",
            json.dumps(sarif, indent=2),
            content_type="application/sarif+json",
            meta=meta,
        )
        notes = dict(outcome.skipped)
        title = f"Analysis of {service}" + (f" ({', '.join(outcome.ran)})" if outcome.ran else "")
        await ctx.put_artifact(
            f"analyze/{service}.md",
            markdown_summary(title, findings, notes) + (review.markdown if review else ""),
            content_type="text/markdown",
            meta=meta,
        )

    @staticmethod
    def _data(
        service: str, languages: list[str], findings: list[Finding], outcome: Outcome, rules: Analysis
    ) -> dict[str, Any]:
        counts = Counter(f.level for f in findings)
        return {
            "service": service,
            "languages": languages,
            "counts": {level: counts[level] for level in ("error", "warning", "note")},
            "gate": {"fail_on": rules.fail_on, "max_warnings": rules.max_warnings, "passed": True},
            "findings": [str(f) for f in findings[:SHOWN]],
            "total": len(findings),
            "ran": outcome.ran,
            "skipped": outcome.skipped,
            "artifacts": [f"analyze/{service}.sarif", f"analyze/{service}.md"],
        }
