"""Secret detection of our own: known key formats, literal assignments to secret-sounding
names, high-entropy strings, in every text file of the service.

Skipped: lockfiles, minified bundles and source maps, binary files (a NUL byte), files over
1 MiB, and files whose *name* says they are an example (``.env.example``,
``settings.sample.py``); a line carrying ``pragma: allowlist secret`` or ``gitleaks:allow`` is
skipped too. Findings show a redacted preview of the value, never the value.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from ..analyze import Target
from ..findings import Finding, security_level
from ._patterns import preview, scan_line

log = logging.getLogger(__name__)

MAX_BYTES = 1024 * 1024
LOCKFILES = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "poetry.lock",
        "Pipfile.lock",
        "uv.lock",
        "pdm.lock",
        "Cargo.lock",
        "go.sum",
        "composer.lock",
        "Gemfile.lock",
        "packages.lock.json",
    }
)
SKIP_SUFFIXES = (".min.js", ".min.css", ".map", ".svg", ".lock")
BARE_ASSIGNMENT_FILES = (".env", ".ini", ".cfg", ".conf", ".properties", ".yaml", ".yml", ".toml", ".sh")
ALLOW_MARKERS = ("pragma: allowlist secret", "gitleaks:allow")


@dataclass
class SecretScan:
    findings: list[Finding] = field(default_factory=list)
    values: set[str] = field(default_factory=set)
    """The secrets found, kept in memory only: other tools' messages are scrubbed of them."""
    files: int = 0


def skipped_file(rel: Path) -> bool:
    name = rel.name.lower()
    return rel.name in LOCKFILES or name.endswith(SKIP_SUFFIXES) or "example" in name or "sample" in name


def _bare_assignments(rel: Path) -> bool:
    name = rel.name.lower()
    return name.startswith(".env") or name.endswith(BARE_ASSIGNMENT_FILES) or name.startswith("dockerfile")


def _text(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")


def find_secrets(target: Target, files: list[Path]) -> SecretScan:
    """Scan ``files`` (relative to the service folder). Blocking: run it in a worker thread."""
    result = SecretScan()
    for rel in files:
        if skipped_file(rel):
            continue
        text = _text(target.service_dir / rel)
        if text is None:
            continue
        result.files += 1
        bare = _bare_assignments(rel)
        for number, line in enumerate(text.splitlines(), start=1):
            if len(line) > 4000 or any(marker in line for marker in ALLOW_MARKERS):
                continue
            for hit in scan_line(line, bare):
                result.values.add(hit.value)
                message = f"{hit.what} hard-coded ({preview(hit.value)}): move it to the secret manager"
                result.findings.append(
                    Finding(
                        "secrets",
                        hit.rule,
                        message,
                        target.rel(rel),
                        number,
                        hit.column,
                        security_level(hit.security),
                        hit.security,
                    )
                )
    log.debug("secret scan: %d file(s), %d finding(s)", result.files, len(result.findings))
    return result
