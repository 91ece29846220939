"""The terraform CLI: init, validate, plan, apply, output — plain ``run_tool`` calls.

Why not python-terraform: it is synchronous (it would need a worker thread per call), has not
been released since 2020 and has no types; ``run_tool`` gives argument lists, a timeout that
kills the whole process group, bounded output and the tool-missing case (127) for free.

Secrets reach terraform only through its environment (``TF_VAR_*`` for the env manager; the
cloud managers are read by the providers). Every line of terraform's output that is kept is
redacted; the binary plan file (which holds sensitive values) never leaves the working copy.
State lives where the Terraform's backend says; without a backend block, in the peer's cache
(``-state``), never in the working copy that is removed after the task.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import TaskFailed
from ..redact import Redactor
from ..tools import ToolResult, run_tool, which

__all__ = ["Plan", "Terraform", "terraform_bin"]

log = logging.getLogger(__name__)

SENSITIVE = "(sensitive)"


def terraform_bin(name: str = "terraform") -> str | None:
    return which(name)


@dataclass(frozen=True, slots=True)
class Plan:
    changes: bool
    summary: str
    """``2 to add, 0 to change, 0 to destroy``"""
    fingerprint: str
    """sha256 of the planned changes with sensitive values masked: what an approval approves."""
    text: str
    """``terraform show`` of the plan, redacted."""
    file: Path


class Terraform:
    def __init__(
        self,
        exe: str,
        folder: Path,
        *,
        state: Path | None,
        plugin_cache: Path,
        env: Mapping[str, str] | None = None,
        redactor: Redactor | None = None,
        timeout_s: float = 1800,
    ) -> None:
        self.exe = exe
        self.folder = folder
        self.state = state
        self.timeout_s = timeout_s
        self._redact = redactor or Redactor()
        plugin_cache.mkdir(parents=True, exist_ok=True)
        self._env = {
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "TF_PLUGIN_CACHE_DIR": str(plugin_cache),
            **(env or {}),
        }

    async def _run(self, step: str, *args: str, ok_codes: tuple[int, ...] = (0,)) -> ToolResult:
        result = await run_tool([self.exe, *args], cwd=self.folder, env=self._env, timeout_s=self.timeout_s)
        log.debug("terraform %s -> %s", step, result.returncode)
        if result.timed_out:
            raise TaskFailed(f"terraform {step} timed out after {self.timeout_s:.0f}s", retryable=True)
        if result.returncode not in ok_codes:
            raise TaskFailed(f"terraform {step} failed (exit {result.returncode}):\n{self.redacted(result)}")
        return result

    def redacted(self, result: ToolResult, lines: int = 30) -> str:
        return self._redact(result.tail(lines))

    def _state_args(self, *, out: bool = False) -> list[str]:
        if self.state is None:
            return []
        self.state.parent.mkdir(parents=True, exist_ok=True)
        args = [f"-state={self.state}"]
        return [*args, f"-state-out={self.state}"] if out else args

    async def fmt(self) -> None:
        """Normalise the layout of generated files (best effort: a failure changes nothing)."""
        await run_tool([self.exe, "fmt", "-no-color"], cwd=self.folder, env=self._env, timeout_s=60)

    async def init(self) -> None:
        try:
            await self._run("init", "init", "-input=false", "-no-color")
        except TaskFailed as exc:
            raise TaskFailed(
                f"{exc}\n(init downloads the providers: can this peer reach their registry or a mirror?)",
                retryable=True,
            ) from None

    async def validate(self) -> list[str]:
        """terraform validate: the problems as ``file:line: message``; empty when valid."""
        result = await self._run("validate", "validate", "-json", "-no-color", ok_codes=(0, 1))
        try:
            report = json.loads(result.stdout)
        except ValueError:
            raise TaskFailed(f"terraform validate said:\n{self.redacted(result)}") from None
        problems = []
        for d in report.get("diagnostics", []):
            if d.get("severity") != "error":
                continue
            rng = d.get("range") or {}
            where = f"{rng.get('filename', '?')}:{(rng.get('start') or {}).get('line', 0)}"
            problems.append(self._redact(f"{where}: {d.get('summary', '')} {d.get('detail', '')}".strip()))
        return problems

    async def plan(self) -> Plan:
        file = self.folder / "tfplan"
        args = [
            "plan",
            "-input=false",
            "-no-color",
            "-lock-timeout=5m",
            "-detailed-exitcode",
            f"-out={file.name}",
        ]
        result = await self._run("plan", *args, *self._state_args(), ok_codes=(0, 2))
        shown = await self._run("show", "show", "-json", file.name)
        text = await self._run("show", "show", "-no-color", file.name)
        plan = json.loads(shown.stdout)
        summary = _summary(plan)
        return Plan(
            changes=result.returncode == 2,
            summary=summary,
            fingerprint=fingerprint(plan),
            text=self._redact(text.stdout),
            file=file,
        )

    async def apply(self, plan: Plan) -> str:
        result = await self._run(
            "apply",
            "apply",
            "-input=false",
            "-no-color",
            "-lock-timeout=5m",
            *self._state_args(out=True),
            plan.file.name,
        )
        return self._redact(result.tail(5))

    async def outputs(self) -> dict[str, Any]:
        """Output values, sensitive ones replaced by ``(sensitive)``."""
        result = await self._run("output", "output", "-json", "-no-color", *self._state_args())
        raw = json.loads(result.stdout or "{}")
        return {k: SENSITIVE if v.get("sensitive") else v.get("value") for k, v in raw.items()}


def fingerprint(plan: dict[str, Any]) -> str:
    """What would change, with every sensitive value masked, hashed."""
    changes = []
    for rc in plan.get("resource_changes", []):
        change = rc.get("change", {})
        if change.get("actions") in (["no-op"], ["read"]):
            continue
        after = _mask(change.get("after"), change.get("after_sensitive"))
        changes.append([rc.get("address"), change.get("actions"), after])
    for name, change in sorted((plan.get("output_changes") or {}).items()):
        if change.get("actions") != ["no-op"]:
            changes.append(
                [
                    f"output.{name}",
                    change.get("actions"),
                    _mask(change.get("after"), change.get("after_sensitive")),
                ]
            )
    blob = json.dumps(sorted(changes, key=lambda c: str(c[0])), sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _mask(value: Any, sensitive: Any) -> Any:
    if sensitive is True:
        return SENSITIVE
    if isinstance(value, dict) and isinstance(sensitive, dict):
        return {k: _mask(v, sensitive.get(k)) for k, v in value.items()}
    if isinstance(value, list) and isinstance(sensitive, list):
        return [_mask(v, sensitive[i] if i < len(sensitive) else None) for i, v in enumerate(value)]
    return value


def _summary(plan: dict[str, Any]) -> str:
    counts = {"add": 0, "change": 0, "destroy": 0}
    for rc in plan.get("resource_changes", []):
        actions = rc.get("change", {}).get("actions", [])
        if "create" in actions:
            counts["add"] += 1
        if "delete" in actions:
            counts["destroy"] += 1
        if actions == ["update"]:
            counts["change"] += 1
    return f"{counts['add']} to add, {counts['change']} to change, {counts['destroy']} to destroy"
