"""Node: ``node --check`` on every script, package.json against what the code requires, and
ESLint when the repository configures it."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import anyio

from ..findings import Finding
from ..tools import run_tool, which
from ._files import source_files
from ._jsimports import NODE_BUILTINS, required_packages, strip_comments
from ._model import Outcome, Target
from .eslint import run_eslint

log = logging.getLogger(__name__)

CHECK_SUFFIXES = (".js", ".cjs", ".mjs")
IMPORT_SUFFIXES = (*CHECK_SUFFIXES, ".jsx", ".ts", ".tsx", ".mts", ".cts")
DEP_FIELDS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")
CHECK_TIMEOUT_S = 60.0
CONCURRENCY = 4
MAX_SOURCE_BYTES = 2 * 1024 * 1024
_ESM = re.compile(r"^\s*(?:import\s*[\w${*'\"]|export\s)", re.MULTILINE)
_WHERE = re.compile(r"^\[stdin\]:(\d+)\s*$")


def _package_type(path: Path, stop: Path) -> str | None:
    folder = path.parent
    while True:
        manifest = folder / "package.json"
        if manifest.is_file():
            try:
                kind = json.loads(manifest.read_text(errors="replace")).get("type")
            except (ValueError, AttributeError):
                return None
            return kind if isinstance(kind, str) else None
        if folder == stop or stop not in folder.parents:
            return None
        folder = folder.parent


def input_type(path: Path, source: str, root: Path) -> str:
    """How Node would load the file: ``.mjs``/``.cjs`` by name; ``.js`` by the nearest
    package.json's ``type``, else by whether it uses import/export (Node 20 detects ESM syntax in
    ambiguous files, but its ``--check`` then lets syntax errors through, so we decide here)."""
    if path.suffix == ".mjs":
        return "module"
    if path.suffix == ".cjs":
        return "commonjs"
    declared = _package_type(path, root)
    if declared in ("module", "commonjs"):
        return declared
    return "module" if _ESM.search(strip_comments(source)) else "commonjs"


def parse_check_output(output: str) -> tuple[int, int, str]:
    """(line, column, message) from ``node --check``'s report of a syntax error."""
    lines = output.splitlines()
    line, col, message = 0, 0, (output.strip().splitlines() or ["syntax error"])[0]
    for i, text in enumerate(lines):
        m = _WHERE.match(text)
        if m and not line:
            line = int(m.group(1))
            if i + 2 < len(lines) and "^" in lines[i + 2] and not lines[i + 2].strip("^ "):
                col = lines[i + 2].index("^") + 1
        if re.match(r"^\w*Error: ", text):
            message = text.strip()
            break
    return line, col, message


async def _check_file(node: str, target: Target, rel: Path) -> Finding | None:
    path = target.service_dir / rel
    if path.stat().st_size > MAX_SOURCE_BYTES:
        return None
    source = path.read_bytes()
    kind = input_type(path, source.decode(errors="replace"), target.service_dir)
    result = await run_tool(
        [node, f"--input-type={kind}", "--check"], stdin=source, timeout_s=CHECK_TIMEOUT_S
    )
    if result.ok:
        return None
    if result.timed_out:
        return Finding("node", "check-timeout", "node --check timed out", target.rel(rel), level="warning")
    line, col, message = parse_check_output(result.stderr)
    return Finding("node", "syntax-error", message, target.rel(rel), line, col, "error")


async def check_syntax(target: Target, files: list[Path]) -> Outcome:
    outcome = Outcome()
    node = which("node")
    if node is None:
        outcome.skipped["node --check"] = "node is not installed"
        return outcome
    limiter = anyio.CapacityLimiter(CONCURRENCY)

    async def one(rel: Path) -> None:
        async with limiter:
            finding = await _check_file(node, target, rel)
        if finding is not None:
            outcome.findings.append(finding)

    async with anyio.create_task_group() as tg:
        for rel in files:
            tg.start_soon(one, rel)
    outcome.findings.sort(key=lambda f: (f.file, f.line))
    outcome.ran.append(f"node --check ({len(files)} file(s))")
    return outcome


def _manifest(service_dir: Path) -> dict[str, Any] | None:
    path = service_dir / "package.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(errors="replace"))
    except ValueError as exc:
        raise ValueError(f"package.json is not valid JSON: {exc}") from None
    return data if isinstance(data, dict) else None


def undeclared_packages(target: Target, files: list[Path], package: dict[str, Any]) -> list[Finding]:
    """Bare imports that package.json does not declare (blocking: run it in a worker thread)."""
    declared: set[str] = set()
    for name in DEP_FIELDS:
        if isinstance(package.get(name), dict):
            declared |= set(package[name])
    declared |= {package.get("name") or ""}
    for rel in source_files(target.service_dir, ("package.json",), target.exclude):
        if rel.parent != Path("."):  # workspaces and local packages are importable by name
            try:
                text = (target.service_dir / rel).read_text(errors="replace")
                declared.add(str(json.loads(text).get("name") or ""))
            except (ValueError, AttributeError):
                continue
    findings = []
    for rel in files:
        path = target.service_dir / rel
        if path.stat().st_size > MAX_SOURCE_BYTES:
            continue
        seen: set[str] = set()
        for name, line, col in required_packages(path.read_text(errors="replace")):
            if (
                name in declared
                or name in NODE_BUILTINS
                or name.split("/")[0] in NODE_BUILTINS
                or name in seen
            ):
                continue
            seen.add(name)
            msg = f"`{name}` is required but not declared in package.json: add it to dependencies"
            findings.append(Finding("imports", "missing-module", msg, target.rel(rel), line, col, "error"))
    return findings


async def analyze_node(target: Target, cache_dir: Path) -> Outcome:
    outcome = Outcome()
    files = await anyio.to_thread.run_sync(source_files, target.service_dir, IMPORT_SUFFIXES, target.exclude)
    checked = [f for f in files if f.suffix in CHECK_SUFFIXES]
    outcome.merge(await check_syntax(target, checked))
    try:
        package = await anyio.to_thread.run_sync(_manifest, target.service_dir)
    except ValueError as exc:
        outcome.findings.append(
            Finding("node", "package-json", str(exc), target.rel(Path("package.json")), level="error")
        )
        return outcome
    if package is None:
        outcome.skipped["imports"] = "no package.json to compare the imports with"
        outcome.skipped["eslint"] = "no package.json"
        return outcome
    outcome.findings += await anyio.to_thread.run_sync(undeclared_packages, target, files, package)
    outcome.ran.append("imports")
    outcome.merge(await run_eslint(target, package, cache_dir))
    return outcome
