"""A commented starter ``devops_orchestra.yaml``, written from what detection found.

Every section is there, one comment per key; the values are those of :func:`infer_config`, so
the file parses back into exactly the config a repository without one would run with. Options
that have no value yet are written commented out, with an example.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..detect.model import RepoStack, ServiceStack
from .infer import evidence_for, infer_config
from .loader import CONFIG_FILENAMES
from .models import OrchestraConfig, Service

_TEST_EXAMPLES = {"python": ["pytest", "-q"], "node": ["npm", "test"], "go": ["go", "test", "./..."]}
_COMMENT_AT = 36
"""Column where a key's comment starts, when the key and value leave room."""


def starter_yaml(stack: RepoStack, name: str) -> str:
    """The text of a starter config for the repository ``stack`` describes."""
    config = infer_config(stack, name)
    out = _Writer()
    title = " ".join(name.split())
    out.raw(f"# {CONFIG_FILENAMES[0]}: how DevOps Orchestra tests, builds, deploys and watches {title}.")
    out.raw("# Written by `orchestra config init` from what it detected; edit freely, then check it with")
    out.raw("# `orchestra config validate`. Lines starting with # show options you may turn on.")
    out.key(0, "version", config.version, "format of this file")
    _project(out, config)
    _build_and_test(out, config)
    _deployment(out, config, stack)
    _safety(out, config)
    _observability(out, config)
    _pipeline(out, config)
    return out.text()


def _project(out: _Writer, c: OrchestraConfig) -> None:
    p = c.project
    out.section("project", "what is delivered")
    out.key(1, "name", p.name, "shown in runs, notifications and resource names")
    out.optional(1, "language", p.language, "python", "main language; each service has its own")
    out.optional(1, "framework", p.framework, "flask", "main framework")
    out.key(
        1,
        "repo",
        None,
        "clone URL; the run's trigger gives it when empty",
        example="https://github.com/org/repo.git",
    )


def _build_and_test(out: _Writer, c: OrchestraConfig) -> None:
    b, t = c.build, c.testing
    out.section("build", "how images are built")
    out.key(1, "tool", b.tool, "docker | maven | npm | poetry | custom")
    out.key(1, "context", b.context, "folder the build starts from")
    out.optional(1, "dockerfile", b.dockerfile, "Dockerfile", "use this one; generated when there is none")
    out.optional(1, "command", b.command, "make build", "for tool custom: the command that builds")
    out.optional(1, "registry", b.registry, "ghcr.io/org", "where images are pushed")
    out.section("testing", "the test stage")
    out.key(1, "enabled", t.enabled, "run the test stage")
    out.optional(
        1, "framework", t.framework, "pytest", "pytest | unittest | jest | mocha | go | maven; detected"
    )
    out.optional(1, "command", t.command, ["pytest", "-q"], "one test command for the whole repository")
    out.optional(
        1,
        "coverage",
        t.coverage.threshold,
        "80%",
        "minimum line coverage; below it the stage fails",
        pct=True,
    )
    out.key(1, "generate", t.generate, "write tests where coverage is missing (kept if they pass)")
    out.key(1, "timeout", _seconds(t.timeout), "how long the test command may take")
    out.section("analysis", "the code quality gate")
    out.key(1, "fail_on", c.analysis.fail_on, "error | warning | note | never: findings that stop the run")
    out.optional(1, "max_warnings", c.analysis.max_warnings, 50, "also fail above this many warnings")
    out.key(1, "review", c.analysis.review, "advisory review comments from the LLM (never a gate)")
    out.section("scan", "the security gate")
    out.key(1, "fail_on", c.scan.fail_on, "low | medium | high | critical | never")
    out.key(1, "secrets", c.scan.secrets, "look for hard-coded keys and high-entropy strings")
    out.optional(1, "ignore", c.scan.ignore or None, ["B101"], "rule ids to ignore")


def _deployment(out: _Writer, c: OrchestraConfig, stack: RepoStack) -> None:
    d = c.deployment
    out.section("deployment", "where and how services run")
    out.key(1, "type", d.type, "what is deployed")
    out.key(1, "provider", d.provider, "local | aws | gcp | azure | custom")
    out.optional(1, "region", d.region, "us-east-1", "cloud region, for providers other than local")
    out.key(1, "strategy", None, "how a new version replaces the old", block=True)
    out.key(2, "type", d.strategy.type, "rolling | canary | blue-green")
    out.key(2, "steps", d.strategy.steps, "canary: traffic percent at each step, ending at 100")
    out.key(2, "interval", _seconds(d.strategy.interval), "time between analyses at each step")
    out.key(2, "batch_size", d.strategy.batch_size, "rolling: replicas replaced at a time")
    out.key(2, "scale_down_delay", _seconds(d.strategy.scale_down_delay), "blue-green: old version kept up")
    if not d.services:
        out.key(1, "services", [], "nothing detected; add one per deployable service, like:")
        out.raw("  #   - name: web")
        out.raw("  #     path: .")
        out.raw("  #     port: 8000")
        out.raw("  #     command: [python, app.py]")
        return
    out.key(1, "services", None, "one entry per deployable service", block=True)
    for service in d.services:
        _service(out, service, _detected(stack, service))


def _service(out: _Writer, s: Service, detected: ServiceStack | None) -> None:
    def why(field: str, what: str) -> str:
        if getattr(s, field) is None:
            return f"{what} (not detected)"
        found = evidence_for(detected, field)
        return f"{what}; detected: {found}" if found else what

    tests = _TEST_EXAMPLES.get(s.language or "", ["make", "test"])
    out.item(2, "name", s.name, "lower-case letters, digits, - and _")
    out.key(3, "path", s.path, "its folder, from the repository root")
    out.key(3, "runtime", s.runtime, "local | docker | kubernetes | ec2 | lambda")
    out.optional(3, "port", s.port, 8000, why("port", "the port it listens on"))
    out.key(3, "health", s.health, why("health", "answers 2xx when the service is healthy"))
    out.optional(3, "command", s.command, ["python", "app.py"], why("command", "starts it, from its folder"))
    out.optional(3, "test_command", s.test_command, tests, why("test_command", "runs its tests"))
    out.optional(3, "language", s.language, "python", why("language", "python | node | go | java | static"))
    out.optional(3, "framework", s.framework, "flask", why("framework", "web framework"))
    out.optional(3, "depends_on", s.depends_on or None, ["db"], "services deployed before this one")
    out.key(
        3, "env", None, "non-secret environment; secrets go in secrets.keys", example={"LOG_LEVEL": "info"}
    )
    out.key(3, "replicas", s.replicas, "copies running at once")
    out.key(3, "dockerfile", None, "its own Dockerfile, when it has one", example=f"{s.path}/Dockerfile")


def _safety(out: _Writer, c: OrchestraConfig) -> None:
    i, s, r = c.infrastructure, c.secrets, c.rollback
    out.section("infrastructure", "what provisions the resources they run on")
    out.key(1, "tool", i.tool, "terraform | none")
    out.optional(1, "path", i.path, "infra/", "your own Terraform; generated from templates when empty")
    out.section("secrets", "where secret values come from")
    out.key(
        1, "manager", s.manager, "env | aws-secrets-manager | gcp-secret-manager | azure-key-vault | vault"
    )
    out.key(1, "keys", s.keys, "names only, like [DB_PASSWORD]; never values in this file")
    out.section("rollback", "when a deployment undoes itself")
    out.key(1, "enabled", r.enabled, "roll back on its own when a threshold is crossed")
    out.key(1, "threshold", None, "crossing any of these rolls back", block=True)
    out.optional(2, "cpu", r.threshold.cpu, "90%", "process CPU percent", pct=True)
    out.optional(2, "errors", r.threshold.errors, "5%", "percent of requests answered 5xx", pct=True)
    out.optional(
        2, "duration", r.threshold.duration, "30s", "how long a breach lasts before it counts", dur=True
    )
    out.optional(2, "memory_mb", r.threshold.memory_mb, 512, "resident memory in MB")


def _observability(out: _Writer, c: OrchestraConfig) -> None:
    o = c.observability
    out.section("observability", "how a rollout is judged while it runs")
    out.optional(1, "tools", o.tools or None, ["prometheus"], "where metrics also go")
    out.key(1, "alerts", None, "an analysis fails when one of these is crossed", block=True)
    if o.alerts.latency is not None:
        out.key(2, "latency", None, "p95 response time", block=True)
        out.key(3, "threshold_ms", o.alerts.latency.threshold_ms, "milliseconds")
    if o.alerts.error_rate is not None:
        out.key(2, "error_rate", None, "requests answered 5xx", block=True)
        out.key(3, "threshold", f"{o.alerts.error_rate.threshold:g}%", "percent")
    out.key(1, "interval", _seconds(o.interval), "time between analyses")
    out.key(1, "failure_limit", o.failure_limit, "failed analyses in a row that abort a rollout")
    out.key(1, "watch", _seconds(o.watch), "how long to watch after promotion")
    out.section("chatops", "notifications and commands in chat")
    out.key(1, "platform", c.chatops.platform, "slack | none")
    out.optional(1, "channel", c.chatops.channel, "#deploys", "where notifications go")
    out.key(1, "notify_on", c.chatops.notify_on, "start | success | failure | rollback | approval | deploy")
    out.key(
        1, "allow", None, "who may run each chat command; absent: everyone", example={"rollback": ["U0123"]}
    )


def _pipeline(out: _Writer, c: OrchestraConfig) -> None:
    p, a = c.pipeline, c.ai
    out.section("pipeline", "which stages run and when")
    out.key(1, "stages", p.stages, "stages that run, in this order")
    out.key(1, "retry_on_failure", p.retry_on_failure, "rerun failed tests once and report flaky ones")
    out.key(1, "max_attempts", p.max_attempts, "tries per task before it fails")
    out.key(1, "deploy_branches", p.deploy_branches, "pushes to these deploy; others only test")
    out.key(1, "notify_on_success", p.notify_on_success, "also notify when a run succeeds")
    out.key(1, "approvals", p.approvals, "stages that wait for a human, like [deploy]")
    out.section("ai", "what writes generated tests, Dockerfiles and summaries")
    out.key(1, "backend", a.backend, "template | llamacpp | openai: writes tests, Dockerfiles, summaries")
    out.optional(1, "model", a.model, "models/model.gguf", "GGUF path for llamacpp, model name for openai")
    out.optional(1, "base_url", a.base_url, "http://127.0.0.1:8080/v1", "openai-compatible server")
    out.key(1, "timeout", _seconds(a.timeout), "how long one answer may take")


class _Writer:
    def __init__(self) -> None:
        self._lines: list[str] = []

    def raw(self, line: str) -> None:
        self._lines.append(line)

    def section(self, name: str, comment: str) -> None:
        self._lines.append("")
        self._put(0, f"{name}:", comment)

    def key(
        self,
        depth: int,
        key: str,
        value: Any,
        comment: str,
        *,
        block: bool = False,
        example: Any = None,
    ) -> None:
        """``key: value  # comment``; a block opens a nested mapping; an example is commented out."""
        if example is not None:
            self._put(depth, f"# {key}: {_scalar(example)}", comment)
        elif block:
            self._put(depth, f"{key}:", comment)
        else:
            self._put(depth, f"{key}: {_scalar(value)}", comment)

    def optional(
        self,
        depth: int,
        key: str,
        value: Any,
        example: Any,
        comment: str,
        *,
        pct: bool = False,
        dur: bool = False,
    ) -> None:
        """The value when there is one, else the key commented out with an example."""
        if value is None:
            self.key(depth, key, None, comment, example=example)
        else:
            shown = f"{value:g}%" if pct else _seconds(value) if dur else value
            self.key(depth, key, shown, comment)

    def item(self, depth: int, key: str, value: Any, comment: str) -> None:
        self._put(depth, f"- {key}: {_scalar(value)}", comment, indent=depth * 2)

    def _put(self, depth: int, text: str, comment: str, indent: int | None = None) -> None:
        line = " " * (depth * 2 if indent is None else indent) + text
        line += " " * max(2, _COMMENT_AT - len(line)) + "# " + " ".join(comment.split())
        self._lines.append(line)

    def text(self) -> str:
        return "\n".join(self._lines).lstrip("\n") + "\n"


def _scalar(value: Any) -> str:
    """One line of YAML for a value: quoted when YAML would read it as something else."""
    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 30, sort_keys=False)
    return text.removesuffix("\n...\n").strip()


def _seconds(value: float) -> str:
    if value >= 60 and value % 60 == 0:
        return f"{value / 60:g}m"
    return f"{value:g}s"


def _detected(stack: RepoStack, service: Service) -> ServiceStack | None:
    for detected in stack.services:
        if detected.path == service.path:
            return detected
    return None
