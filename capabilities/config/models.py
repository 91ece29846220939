"""``devops_orchestra.yaml`` as pydantic models: every field the format has, a default for
everything optional, unknown keys refused (the loader turns that into "did you mean").

Shorthands users write are accepted: ``strategy: canary`` for ``strategy: {type: canary}``,
``coverage: 80`` for ``coverage: {threshold: 80}``, percentages as ``"2%"`` and durations as
``"30s"`` / ``"5m"``.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Stage = Literal["analyze", "test", "scan", "build", "provision", "deploy", "observe"]
STAGES: tuple[Stage, ...] = ("analyze", "test", "scan", "build", "provision", "deploy", "observe")
Runtime = Literal["ec2", "lambda", "kubernetes", "docker", "local"]
Provider = Literal["aws", "gcp", "azure", "custom", "local"]
StrategyType = Literal["blue-green", "canary", "rolling"]
NotifyOn = Literal["start", "success", "failure", "rollback", "approval", "deploy"]

_NAME = r"^[a-z0-9][a-z0-9\-_]{0,62}$"
_SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")


def percent(value: Any) -> Any:
    """``"2%"`` -> 2.0; numbers pass through."""
    if isinstance(value, str) and value.strip().endswith("%"):
        return float(value.strip()[:-1])
    return value


def seconds(value: Any) -> Any:
    """``"500ms"``, ``"30s"``, ``"5m"``, ``"1h"`` -> seconds; numbers pass through."""
    if isinstance(value, str):
        m = _DURATION.match(value)
        if not m:
            raise ValueError(f"{value!r} is not a duration like 30s, 5m or 500ms")
        number, unit = float(m.group(1)), m.group(2) or "s"
        return number * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    return value


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Project(Section):
    name: str | None = None
    """Defaults to the repository's directory name."""
    language: str | None = None
    framework: str | None = None
    repo: str | None = None
    """Clone URL; the run's trigger gives it when this is empty."""


class Build(Section):
    tool: Literal["docker", "maven", "npm", "poetry", "custom"] = "docker"
    context: str = "."
    dockerfile: str | None = None
    """Use this Dockerfile; one is generated from infra_templates/ when there is none."""
    command: str | list[str] | None = None
    """For tool custom: the command that builds."""
    registry: str | None = None
    """Where images are pushed: ``ghcr.io/org``, an ECR host, ``127.0.0.1:5000``."""


class Coverage(Section):
    threshold: float | None = Field(default=None, ge=0, le=100)
    """Percent of lines; below it, tests are generated and the test stage fails."""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            return {"threshold": percent(value)}
        return value

    @field_validator("threshold", mode="before")
    @classmethod
    def _percent(cls, value: Any) -> Any:
        return percent(value)


class Testing(Section):
    enabled: bool = True
    framework: str | None = None
    """pytest, unittest, jest, mocha, npm, go, maven; detected when empty."""
    command: str | list[str] | None = None
    coverage: Coverage = Field(default_factory=Coverage)
    generate: bool = True
    """Generate tests where coverage is missing (kept only if they pass and raise coverage)."""
    timeout: float = 900
    """Seconds the test command may take."""

    @field_validator("timeout", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> Any:
        return seconds(value)


Severity = Literal["note", "warning", "error"]
SecuritySeverity = Literal["low", "medium", "high", "critical"]


class Analysis(Section):
    """The code quality gate of the analyze stage."""

    fail_on: Severity | Literal["never"] = "error"
    """Findings at or above this level fail the stage and stop the run before build."""
    max_warnings: int | None = Field(default=None, ge=0)
    """Also fail when there are more warnings than this."""
    review: bool = True
    """Ask the LLM for advisory review comments (never a gate on its own)."""


class Scan(Section):
    """The security gate of the scan stage."""

    fail_on: SecuritySeverity | Literal["never"] = "high"
    """Findings at or above this severity fail the stage."""
    secrets: bool = True
    """Look for hard-coded keys and high-entropy strings."""
    ignore: list[str] = Field(default_factory=list)
    """Rule ids to ignore (``B101``, ``DL3008``, ``CKV_AWS_20``)."""


class Strategy(Section):
    type: StrategyType = "rolling"
    steps: list[int] = Field(default_factory=lambda: [10, 50, 100])
    """Canary traffic weights in percent, ending at 100."""
    interval: float = 1.0
    """Seconds between analyses at each step."""
    batch_size: int = Field(default=1, ge=1)
    """Rolling: replicas replaced at a time."""
    scale_down_delay: float = 30.0
    """Blue-green: seconds the old version stays up after the switch."""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"type": value} if isinstance(value, str) else value

    @field_validator("interval", "scale_down_delay", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> Any:
        return seconds(value)

    @field_validator("steps")
    @classmethod
    def _steps(cls, steps: list[int]) -> list[int]:
        increasing = steps == sorted(steps) and len(set(steps)) == len(steps)
        if not steps or any(not 0 < s <= 100 for s in steps) or not increasing or steps[-1] != 100:
            raise ValueError("steps must be increasing percentages ending at 100, like [10, 50, 100]")
        return steps


class Service(Section):
    name: str = Field(pattern=_NAME)
    path: str = "."
    runtime: Runtime = "local"
    port: int | None = Field(default=None, ge=1, le=65535)
    health: str = Field(default="/health", alias="health_path")
    """Path answered with 2xx when the service is healthy."""
    env: dict[str, str | int | float | bool] = Field(default_factory=dict)
    """Non-secret environment; secrets come from ``secrets.keys``."""
    depends_on: list[str] = Field(default_factory=list)
    replicas: int = Field(default=1, ge=1, le=100)
    command: str | list[str] | None = None
    """Start command; detected when empty."""
    probe: list[str] = Field(default_factory=list)
    """Paths requested through the router while an analysis watches (``/api/items``): a canary
    is judged on the traffic it gets, and a quiet service gets none without this."""
    test_command: str | list[str] | None = None
    dockerfile: str | None = None
    language: str | None = None
    framework: str | None = None

    @field_validator("health")
    @classmethod
    def _health(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("a health path starts with /")
        return value


class Deployment(Section):
    type: str = "service"
    provider: Provider = "local"
    strategy: Strategy = Field(default_factory=Strategy)
    region: str | None = None
    services: list[Service] = Field(default_factory=list)
    """Detected from the repository when empty."""

    @model_validator(mode="after")
    def _services_consistent(self) -> Deployment:
        names = [s.name for s in self.services]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"service names must be unique: {', '.join(dupes)}")
        for s in self.services:
            for dep in s.depends_on:
                if dep not in names:
                    raise ValueError(f"service {s.name!r} depends on {dep!r}, which is not a service")
                if dep == s.name:
                    raise ValueError(f"service {s.name!r} depends on itself")
        _no_cycle({s.name: s.depends_on for s in self.services})
        return self


def _no_cycle(graph: dict[str, list[str]]) -> None:
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        if state.get(node) == 1:
            raise ValueError(f"depends_on has a cycle: {' -> '.join([*path, node])}")
        if state.get(node) == 2:
            return
        state[node] = 1
        for nxt in graph.get(node, []):
            visit(nxt, [*path, node])
        state[node] = 2

    for node in graph:
        visit(node, [])


class Infrastructure(Section):
    tool: Literal["terraform", "none"] = "terraform"
    path: str | None = None
    """A folder of Terraform to use; generated from infra_templates/ when empty."""


class Secrets(Section):
    manager: Literal["env", "aws-secrets-manager", "gcp-secret-manager", "azure-key-vault", "vault"] = "env"
    keys: list[str] = Field(default_factory=list)
    """Names only; values live in the manager (or the environment), never in this file."""

    @field_validator("keys")
    @classmethod
    def _names_only(cls, keys: list[str]) -> list[str]:
        for i, key in enumerate(keys):
            if not _SECRET_NAME.match(key):
                # never echo the entry: it may hold the very value that must not be written down
                name = re.split(r"[=:\s]", key, maxsplit=1)[0]
                shown = f" ({name!r} followed by more)" if _SECRET_NAME.match(name) and name != key else ""
                raise ValueError(
                    f"entry {i}{shown} is not a name: secrets.keys lists names like DB_PASSWORD; "
                    "the values live in the secret manager"
                )
        return keys


class Thresholds(Section):
    cpu: float | None = Field(default=90.0, ge=0)
    """Process CPU percent."""
    errors: float | None = Field(default=5.0, ge=0, le=100)
    """Percent of requests answered 5xx."""
    duration: float | None = Field(default=None, ge=0)
    """Seconds a breach must last before it counts (none: the failure limit decides)."""
    memory_mb: float | None = Field(default=None, ge=0)

    @field_validator("cpu", "errors", mode="before")
    @classmethod
    def _percent(cls, value: Any) -> Any:
        return percent(value)

    @field_validator("duration", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> Any:
        return seconds(value)


class Rollback(Section):
    enabled: bool = True
    threshold: Thresholds = Field(default_factory=Thresholds)


class LatencyAlert(Section):
    threshold_ms: float = Field(default=500, gt=0)
    """p95 latency over this fails an analysis."""


class ErrorRateAlert(Section):
    threshold: float = Field(default=2.0, ge=0, le=100)
    """Percent of requests answered 5xx (``"2%"``)."""

    @field_validator("threshold", mode="before")
    @classmethod
    def _percent(cls, value: Any) -> Any:
        return percent(value)


class Alerts(Section):
    latency: LatencyAlert | None = Field(default_factory=LatencyAlert)
    error_rate: ErrorRateAlert | None = Field(default_factory=ErrorRateAlert)


class Observability(Section):
    tools: list[str] = Field(default_factory=list)
    alerts: Alerts = Field(default_factory=Alerts)
    interval: float = 1.0
    """Seconds between analyses."""
    failure_limit: int = Field(default=3, ge=1)
    """Consecutive failed analyses that abort a rollout."""
    watch: float = 10.0
    """Seconds an observe task watches after promotion."""
    probe_rps: float = Field(default=20.0, gt=0, le=1000)
    """Requests per second of the probe (the services' ``probe`` paths) during analyses."""

    @field_validator("interval", "watch", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> Any:
        return seconds(value)


def _default_notify() -> list[NotifyOn]:
    return ["failure", "rollback", "approval"]


class ChatOps(Section):
    platform: Literal["slack", "none"] = "none"
    channel: str | None = None
    notify_on: list[NotifyOn] = Field(default_factory=lambda: _default_notify())
    allow: dict[str, list[str]] = Field(default_factory=dict)
    """Command -> Slack user ids or user group handles allowed to run it; absent: everyone."""


class Pipeline(Section):
    stages: list[Stage] = Field(default_factory=lambda: list(STAGES))
    retry_on_failure: bool = False
    """Rerun failed tests once and report the flaky ones."""
    max_attempts: int = Field(default=3, ge=1, le=20)
    deploy_branches: list[str] = Field(default_factory=lambda: ["main", "master"])
    notify_on_success: bool = False
    approvals: list[Stage] = Field(default_factory=list)
    """Stages that wait for a human approval before they start."""


class AI(Section):
    backend: Literal["template", "llamacpp", "openai"] = "template"
    model: str | None = None
    """GGUF path for llamacpp, model name for openai."""
    base_url: str | None = None
    timeout: float = 60.0

    @field_validator("timeout", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> Any:
        return seconds(value)


class OrchestraConfig(Section):
    """The whole ``devops_orchestra.yaml``."""

    version: Literal[1] = 1
    project: Project = Field(default_factory=Project)
    build: Build = Field(default_factory=Build)
    testing: Testing = Field(default_factory=Testing)
    analysis: Analysis = Field(default_factory=Analysis)
    scan: Scan = Field(default_factory=Scan)
    deployment: Deployment = Field(default_factory=Deployment)
    infrastructure: Infrastructure = Field(default_factory=Infrastructure)
    secrets: Secrets = Field(default_factory=Secrets)
    rollback: Rollback = Field(default_factory=Rollback)
    observability: Observability = Field(default_factory=Observability)
    chatops: ChatOps = Field(default_factory=ChatOps)
    pipeline: Pipeline = Field(default_factory=Pipeline)
    ai: AI = Field(default_factory=AI)

    def service(self, name: str) -> Service:
        for s in self.deployment.services:
            if s.name == name:
                return s
        raise KeyError(name)
