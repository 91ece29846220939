"""Validate a folder of Terraform before anything plans or applies it.

1. python-hcl2 parses every ``*.tf`` file (a syntax error is reported at its file:line);
2. every ``var.``, ``local.``, ``data.`` and ``module.`` reference names something declared, and
   every resource an output references exists; ``*.tfvars.json`` set only declared variables;
3. checkov passes at the configured severity (``scan.fail_on``, ignoring ``scan.ignore``).

Problems of 1 and 2 always block; checkov's block at or above the gate.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

from ..findings import Finding, at_or_above_security, markdown_summary, to_sarif
from . import _checkov

__all__ = ["Module", "Validation", "check_references", "parse_module", "validate_folder"]

log = logging.getLogger(__name__)

_BUILTIN_ROOTS = {"var", "local", "data", "module", "each", "count", "path", "self", "terraform"}
_REF = re.compile(r"(?<![\w.\"])(var|local|data|module)\.([A-Za-z_][\w-]*)(?:\.([A-Za-z_][\w-]*))?")
_RESOURCE_REF = re.compile(r"(?<![\w.\"])([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][\w-]*)")


@dataclass
class Module:
    """What a folder of Terraform declares, file by file."""

    folder: Path
    texts: dict[str, str] = field(default_factory=dict)
    parsed: dict[str, dict[str, Any]] = field(default_factory=dict)
    variables: set[str] = field(default_factory=set)
    locals: set[str] = field(default_factory=set)
    resources: set[str] = field(default_factory=set)
    """``type.name``"""
    data: set[str] = field(default_factory=set)
    """``type.name`` of data sources"""
    modules: set[str] = field(default_factory=set)
    outputs: dict[str, Any] = field(default_factory=dict)
    errors: list[Finding] = field(default_factory=list)


@dataclass
class Validation:
    findings: list[Finding]
    blocking: list[Finding]
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.blocking

    def sarif(self) -> dict[str, Any]:
        return to_sarif(self.findings, tools=["hcl2", "terraform-refs", "checkov"])

    def summary(self, title: str) -> str:
        return markdown_summary(title, self.findings, self.skipped)

    def message(self, limit: int = 8) -> str:
        lines = [str(f) for f in self.blocking[:limit]]
        if len(self.blocking) > limit:
            lines.append(f"... and {len(self.blocking) - limit} more (see the SARIF artifact)")
        return "\n".join(lines)


def parse_module(folder: Path, prefix: str = "") -> Module:
    """Parse every ``*.tf`` of ``folder`` (not sub-folders: those are modules of their own)."""
    module = Module(folder)
    for path in sorted(folder.glob("*.tf")):
        rel = f"{prefix.rstrip('/')}/{path.name}" if prefix else path.name
        text = path.read_text(errors="replace")
        module.texts[rel] = text
        try:
            tree = hcl2.loads(text)
        except Exception as exc:  # lark raises several types; all mean "not HCL"
            module.errors.append(
                Finding("hcl2", "syntax", _first_line(exc), rel, line=_line_of(exc), level="error")
            )
            continue
        module.parsed[rel] = tree
        _declare(module, tree)
    return module


def check_references(module: Module, tfvars: Sequence[tuple[str, dict[str, Any]]] = ()) -> list[Finding]:
    """Undeclared variables, locals, data sources, modules; outputs naming missing resources."""
    found: list[Finding] = []
    declared = {
        "var": module.variables,
        "local": module.locals,
        "module": module.modules,
    }
    for rel, tree in module.parsed.items():
        text = module.texts[rel]
        seen: set[str] = set()
        for expr in _expressions(tree):
            for root, first, second in _REF.findall(expr):
                ref = f"{root}.{first}" + (f".{second}" if root == "data" and second else "")
                if ref in seen:
                    continue
                seen.add(ref)
                if root == "data":
                    if second and f"{first}.{second}" not in module.data:
                        found.append(_problem("undeclared-data", f"{ref} is not declared", rel, text, ref))
                elif first not in declared[root]:
                    kind = {"var": "variable", "local": "local value", "module": "module"}[root]
                    found.append(
                        _problem(f"undeclared-{root}", f"{kind} {ref} is not declared", rel, text, ref)
                    )
        for name, body in _outputs(tree):
            for expr in _expressions(body):
                for rtype, rname in _RESOURCE_REF.findall(expr):
                    if rtype in _BUILTIN_ROOTS or f"{rtype}.{rname}" in module.resources:
                        continue
                    ref = f"{rtype}.{rname}"
                    found.append(
                        _problem(
                            "missing-resource",
                            f"output {name} references {ref}, which is not declared",
                            rel,
                            text,
                            ref,
                        )
                    )
    for rel, values in tfvars:
        for key in values:
            if key not in module.variables:
                found.append(
                    Finding(
                        "terraform-refs",
                        "undeclared-tfvar",
                        f"{key} is set but no variable declares it",
                        rel,
                        level="warning",
                    )
                )
    return found


async def validate_folder(folder: Path, *, fail_on: str, ignore: list[str], prefix: str = "") -> Validation:
    """Parse, check references, run checkov; ``blocking`` is what fails the task."""
    module = parse_module(folder, prefix)
    findings = list(module.errors)
    if not module.texts:
        findings.append(
            Finding("hcl2", "empty", "no *.tf file in this folder", prefix or str(folder), level="error")
        )
    tfvars = []
    for path in sorted(folder.glob("*.tfvars.json")):
        rel = f"{prefix.rstrip('/')}/{path.name}" if prefix else path.name
        try:
            tfvars.append((rel, dict(json.loads(path.read_text()))))
        except (ValueError, TypeError) as exc:
            findings.append(Finding("hcl2", "syntax", f"not a JSON object: {exc}", rel, level="error"))
    findings += check_references(module, tfvars)
    structural = [f for f in findings if f.level == "error"]
    skipped: dict[str, str] = {}
    if _checkov.checkov_bin() is None:
        skipped["checkov"] = "not installed"
        checked: list[Finding] = []
    else:
        result = await _checkov.run_checkov(folder, ignore)
        if result.timed_out or result.returncode not in (0, 1):
            skipped["checkov"] = f"failed (exit {result.returncode}): {result.tail(5)}"
            checked = []
        else:
            checked = [f for f in _checkov.findings_of(result, prefix) if f.rule not in ignore]
    findings += checked
    blocking = structural + at_or_above_security(checked, fail_on)
    if "checkov" in skipped:
        # unscanned Terraform is never applied: the gate fails closed
        blocking.append(
            Finding("checkov", "unavailable", f"checkov {skipped['checkov']}", prefix or ".", level="error")
        )
    return Validation(findings, blocking, skipped)


# -- the parsed tree ---------------------------------------------------------------------------


def _label(key: str) -> str:
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == '"' else key


def _blocks(tree: dict[str, Any], kind: str) -> Iterator[dict[str, Any]]:
    for block in tree.get(kind, []) or []:
        if isinstance(block, dict):
            yield block


def _declare(module: Module, tree: dict[str, Any]) -> None:
    for block in _blocks(tree, "variable"):
        module.variables |= {_label(k) for k in block if not k.startswith("__")}
    for block in _blocks(tree, "locals"):
        module.locals |= {_label(k) for k in block if not k.startswith("__")}
    for block in _blocks(tree, "module"):
        module.modules |= {_label(k) for k in block if not k.startswith("__")}
    for kind, into in (("resource", module.resources), ("data", module.data)):
        for block in _blocks(tree, kind):
            for rtype, named in block.items():
                if isinstance(named, dict):
                    into |= {f"{_label(rtype)}.{_label(n)}" for n in named if not n.startswith("__")}
    for block in _blocks(tree, "output"):
        module.outputs |= {_label(k): v for k, v in block.items() if not k.startswith("__")}


def _outputs(tree: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for block in _blocks(tree, "output"):
        for name, body in block.items():
            if not name.startswith("__"):
                yield _label(name), body


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and "${" in k:
                yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _expressions(value: Any) -> Iterator[str]:
    """The ``${...}`` parts of every string: HCL expressions, never literal text."""
    for text in _strings(value):
        start = text.find("${")
        while start != -1:
            depth, i = 0, start + 1
            while i < len(text):
                if text[i] == "{":
                    depth += 1
                elif text[i] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            yield text[start + 2 : i]
            start = text.find("${", i)


def _problem(rule: str, message: str, rel: str, text: str, ref: str) -> Finding:
    match = re.search(rf"(?<![\w.]){re.escape(ref)}(?![\w-])", text)
    line = text.count("\n", 0, match.start()) + 1 if match else 0
    return Finding("terraform-refs", rule, message, rel, line=line, level="error")


def _line_of(exc: Exception) -> int:
    line = getattr(exc, "line", None)
    if isinstance(line, int) and line > 0:
        return line
    found = re.search(r"line (\d+)", str(exc))
    return int(found.group(1)) if found else 0


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"not valid HCL: {text[0][:200] if text else type(exc).__name__}"
