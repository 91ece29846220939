"""The ``scan`` capability: code (bandit), Dockerfiles (hadolint), IaC (checkov), secrets and
known-vulnerable dependencies for one service, as SARIF and Markdown artifacts, then the
severity gate (``scan.fail_on``, ``scan.ignore``)."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio

from blackboard import Claim

from ..analyze import Outcome, Target, service_target
from ..base import Availability, Result
from ..config.models import OrchestraConfig, Service
from ..context import Context
from ..errors import TaskFailed
from ..findings import SECURITY_RANK, Finding, at_or_above_security, markdown_summary, to_sarif
from ..redact import Redactor
from ._files import all_files, dockerfiles, kubernetes_manifests, terraform_files
from ._patterns import preview
from .audits import npm_audit, pip_audit, trivy
from .bandit import run_bandit
from .checkov import run_checkov
from .hadolint import run_hadolint
from .secrets import find_secrets

log = logging.getLogger(__name__)

SHOWN = 20
SEVERITIES = ("critical", "high", "medium", "low")


def iac_folders(
    target: Target, files: list[Path], config: OrchestraConfig, service: Service
) -> dict[Path, list[str]]:
    """Folders for checkov with the frameworks found in each. The repository's own Terraform
    folder (``infrastructure.path``) is scanned with the first service, so once a run."""
    frameworks = [
        name
        for name, present in (
            ("terraform", terraform_files(files)),
            ("kubernetes", kubernetes_manifests(target.service_dir, files)),
            ("dockerfile", dockerfiles(files)),
        )
        if present
    ]
    folders = {target.service_dir: frameworks} if frameworks else {}
    infra = config.infrastructure.path
    first = config.deployment.services[0].name if config.deployment.services else None
    if infra and service.name == first:
        folder = (target.root / infra).resolve()
        inside = folder == target.service_dir or target.service_dir in folder.parents
        if folder.is_dir() and not inside and any(folder.glob("*.tf")):
            folders[folder] = ["terraform"]
    return folders


def service_dockerfiles(target: Target, files: list[Path], service: Service) -> list[Path]:
    """The service's Dockerfiles, and the one the config names (relative to the service folder
    or the repository) when it lives elsewhere."""
    found = dockerfiles(files)
    named = service.dockerfile or None
    if named:
        for base in (target.service_dir, target.root):
            path = (base / named).resolve()
            if path.is_file() and path.is_relative_to(target.root):
                inside = path.is_relative_to(target.service_dir)
                rel = path.relative_to(target.service_dir) if inside else path
                if rel not in found:
                    found.append(rel)
                break
    return found


def scrubber(secret_names: list[str], values: set[str]) -> Callable[[str], str]:
    """Keeps every secret out of a message: the config's secrets, well-known formats, and any
    value the secret scan found (shown as its preview)."""
    redact = Redactor(secret_names)
    ordered = sorted(values, key=len, reverse=True)

    def scrub(text: str) -> str:
        for value in ordered:
            text = text.replace(value, preview(value))
        return redact(text)

    return scrub


def gate_failure(service: str, findings: list[Finding], fail_on: str) -> str | None:
    blocking = at_or_above_security(findings, fail_on)
    if not blocking:
        return None
    lines = [f"  {f.where} {f.rule} [{f.security}] {f.message}" for f in blocking[:SHOWN]]
    if len(blocking) > SHOWN:
        lines.append(f"  … and {len(blocking) - SHOWN} more in scan/{service}.md")
    return (
        f"scan of {service} failed the security gate: {len(blocking)} finding(s) at or above "
        f"{fail_on} (scan.fail_on):\n" + "\n".join(lines)
    )


class Scan:
    name = "scan"

    def available(self) -> Availability:
        return Availability.yes()  # secret detection needs no tool; missing scanners are skipped

    async def run(self, task: Claim, ctx: Context) -> Result:
        config = await ctx.config()
        service = await ctx.service()
        root = await ctx.checkout()
        target = service_target(root, config, service)
        files = await anyio.to_thread.run_sync(all_files, target.service_dir, target.exclude)
        folders = await anyio.to_thread.run_sync(iac_folders, target, files, config, service)
        outcome = Outcome()
        values: set[str] = set()

        async def collect(job: Callable[[], Awaitable[Outcome]]) -> None:
            outcome.merge(await job())

        async def secrets() -> None:
            found = await anyio.to_thread.run_sync(find_secrets, target, files)
            outcome.findings.extend(found.findings)
            values.update(found.values)
            outcome.ran.append(f"secrets ({found.files} file(s))")

        async with anyio.create_task_group() as tg:
            tg.start_soon(collect, lambda: run_bandit(target, files))
            tg.start_soon(collect, lambda: run_hadolint(target, service_dockerfiles(target, files, service)))
            tg.start_soon(collect, lambda: run_checkov(target, folders))
            tg.start_soon(collect, lambda: pip_audit(target))
            tg.start_soon(collect, lambda: npm_audit(target))
            tg.start_soon(collect, lambda: trivy(target))
            if config.scan.secrets:
                tg.start_soon(secrets)
            else:
                outcome.skipped["secrets"] = "disabled (scan.secrets: false)"
        scrub = scrubber(config.secrets.keys, values)
        ignored = set(config.scan.ignore)
        findings = sorted(
            (replace(f, message=scrub(f.message)) for f in outcome.findings if f.rule not in ignored),
            key=lambda f: (-SECURITY_RANK[f.security or "low"], f.file, f.line, f.column, f.rule),
        )
        dropped = len(outcome.findings) - len(findings)
        outcome.ran.sort()
        await self._write(ctx, service.name, findings, outcome)
        failure = gate_failure(service.name, findings, config.scan.fail_on)
        if failure:
            raise TaskFailed(failure)
        counts = Counter(str(f.security) for f in findings)
        summary = (
            f"{service.name}: "
            + ", ".join(f"{counts[s]} {s}" for s in SEVERITIES)
            + f"; gate passed (fail_on {config.scan.fail_on})"
        )
        return Result(summary, self._data(service.name, findings, outcome, config.scan.fail_on, dropped))

    async def _write(self, ctx: Context, service: str, findings: list[Finding], outcome: Outcome) -> None:
        sarif = to_sarif(findings, tools=[t.split(" ")[0] for t in outcome.ran])
        meta = {"service": service, "findings": len(findings)}
        await ctx.put_artifact(
            f"scan/{service}.sarif",
            json.dumps(sarif, indent=2),
            content_type="application/sarif+json",
            meta=meta,
        )
        title = f"Security scan of {service}" + (f" ({', '.join(outcome.ran)})" if outcome.ran else "")
        await ctx.put_artifact(
            f"scan/{service}.md",
            markdown_summary(title, findings, outcome.skipped),
            content_type="text/markdown",
            meta=meta,
        )

    @staticmethod
    def _data(
        service: str, findings: list[Finding], outcome: Outcome, fail_on: str, ignored: int
    ) -> dict[str, Any]:
        counts = Counter(str(f.security) for f in findings)
        return {
            "service": service,
            "counts": {s: counts[s] for s in SEVERITIES},
            "gate": {"fail_on": fail_on, "passed": True},
            "findings": [str(f) for f in findings[:SHOWN]],
            "total": len(findings),
            "ignored": ignored,
            "ran": outcome.ran,
            "skipped": outcome.skipped,
            "artifacts": [f"scan/{service}.sarif", f"scan/{service}.md"],
        }
