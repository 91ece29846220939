"""Python: ruff with the repository's own config, a syntax check of every file, missing modules."""

from __future__ import annotations

import ast
import json
import logging
import sys
import tomllib
import warnings
from pathlib import Path

import anyio

from ..findings import Finding, Level
from ..tools import run_tool, which
from ._files import source_files
from ._model import Outcome, Target
from ._pyimports import missing_modules

log = logging.getLogger(__name__)

DEFAULT_SELECT = "E4,E7,E9,F"
"""ruff's own default selection, used when the repository has no ruff config."""
RUFF_TIMEOUT_S = 300.0
MAX_SOURCE_BYTES = 2 * 1024 * 1024
_ERROR_PREFIXES = ("E9", "F63", "F7", "F82")


def ruff_level(code: str) -> Level:
    """Undefined names, syntax and IO errors, broken comparisons and statements: errors."""
    return "error" if code.startswith(_ERROR_PREFIXES) else "warning"


def ruff_config(service_dir: Path, repo_root: Path) -> Path | None:
    """The ruff config ruff would use for the service: the nearest ``ruff.toml``, ``.ruff.toml``
    or ``pyproject.toml`` with a ``[tool.ruff]`` table, from the service folder up to the root."""
    folder = service_dir
    while True:
        for name in (".ruff.toml", "ruff.toml"):
            if (folder / name).is_file():
                return folder / name
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                if "ruff" in tomllib.loads(pyproject.read_text(errors="replace")).get("tool", {}):
                    return pyproject
            except tomllib.TOMLDecodeError:
                pass
        if folder == repo_root or repo_root not in folder.parents:
            return None
        folder = folder.parent


def ruff_binary() -> str | None:
    return which("ruff", [Path(sys.executable).parent])


async def run_ruff(target: Target) -> Outcome:
    outcome = Outcome()
    ruff = ruff_binary()
    if ruff is None:
        outcome.skipped["ruff"] = "not installed"
        return outcome
    config = ruff_config(target.service_dir, target.root)
    args = [ruff, "check", "--output-format", "json", "--no-cache", "--exit-zero", "--force-exclude"]
    if config is None:
        args += ["--isolated", "--select", DEFAULT_SELECT]
    for folder in sorted(target.exclude):
        args += ["--extend-exclude", folder.relative_to(target.service_dir).as_posix()]
    result = await run_tool([*args, "."], cwd=target.service_dir, timeout_s=RUFF_TIMEOUT_S)
    if not result.ok:
        why = "timed out" if result.timed_out else (result.stderr.strip().splitlines() or ["failed"])[-1]
        outcome.skipped["ruff"] = f"ruff could not run: {why}"[:300]
        where = target.rel(config) if config else target.prefix or "."
        outcome.findings.append(
            Finding("ruff", "ruff-failed", outcome.skipped["ruff"], where, level="warning")
        )
        return outcome
    outcome.ran.append("ruff" + (f" ({target.rel(config)})" if config else f" (default {DEFAULT_SELECT})"))
    for item in json.loads(result.stdout or "[]"):
        code = item.get("code") or "invalid-syntax"
        if code == "invalid-syntax":
            continue  # the syntax check reports these, once per file, with Python's own message
        loc = item.get("location") or {}
        outcome.findings.append(
            Finding(
                "ruff",
                code,
                item.get("message", ""),
                target.rel(Path(item["filename"])),
                int(loc.get("row") or 0),
                int(loc.get("column") or 0),
                ruff_level(code),
                help_uri=item.get("url"),
            )
        )
    return outcome


def parse_sources(target: Target, files: list[Path]) -> tuple[list[Finding], dict[Path, ast.Module]]:
    """Compile every file (blocking: run it in a worker thread); syntax errors become findings."""
    findings: list[Finding] = []
    trees: dict[Path, ast.Module] = {}
    for rel in files:
        path = target.service_dir / rel
        try:
            if path.stat().st_size > MAX_SOURCE_BYTES:
                continue
            source = path.read_bytes()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escape sequences are ruff's business
                trees[rel] = ast.parse(source, filename=str(rel))
        except SyntaxError as exc:
            col = exc.offset or 0
            msg = f"{type(exc).__name__}: {exc.msg}"
            findings.append(
                Finding("syntax", "syntax-error", msg, target.rel(rel), exc.lineno or 1, col, "error")
            )
        except (OSError, ValueError) as exc:  # unreadable, or null bytes in the source
            findings.append(Finding("syntax", "unreadable", str(exc), target.rel(rel), level="error"))
    return findings, trees


async def analyze_python(target: Target) -> Outcome:
    outcome = Outcome()
    files = await anyio.to_thread.run_sync(source_files, target.service_dir, (".py",), target.exclude)

    async def python_checks() -> None:
        syntax, trees = await anyio.to_thread.run_sync(parse_sources, target, files)
        outcome.findings.extend(syntax)
        outcome.ran.append(f"syntax ({len(files)} file(s))")
        outcome.findings.extend(await anyio.to_thread.run_sync(missing_modules, target, trees))
        outcome.ran.append("imports")

    async def ruff() -> None:
        outcome.merge(await run_ruff(target))

    async with anyio.create_task_group() as tg:
        tg.start_soon(python_checks)
        tg.start_soon(ruff)
    log.debug("python analysis of %s: %d finding(s)", target.prefix or ".", len(outcome.findings))
    return outcome
