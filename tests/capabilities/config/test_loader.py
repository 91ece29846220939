"""Loading devops_orchestra.yaml: every section read, every mistake named with its path and line."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest

from capabilities.config import ConfigError, OrchestraConfig, Problem, load_config, parse_config

FULL = """\
version: 1
project:
  name: shop
  language: python
  framework: flask
  repo: https://github.com/acme/shop.git
build:
  tool: docker
  context: .
  dockerfile: Dockerfile
  registry: ghcr.io/acme
testing:
  framework: pytest
  command: pytest -q
  coverage: "80%"
  generate: false
  timeout: 10m
deployment:
  type: service
  provider: aws
  region: eu-west-1
  strategy:
    type: canary
    steps: [20, 50, 100]
    interval: 2s
  services:
    - name: api
      path: backend
      runtime: docker
      port: 5000
      health: /healthz
      env:
        LOG_LEVEL: info
        WORKERS: 4
      command: [gunicorn, app:app]
      test_command: [pytest, -q]
    - name: web
      path: frontend
      runtime: kubernetes
      port: 3000
      health_path: /
      depends_on: [api]
      replicas: 2
infrastructure:
  tool: terraform
  path: infra/
secrets:
  manager: aws-secrets-manager
  keys: [DB_PASSWORD, STRIPE_KEY]
rollback:
  enabled: true
  threshold:
    cpu: 80%
    errors: "5%"
    duration: 30s
    memory_mb: 512
observability:
  tools: [prometheus]
  alerts:
    latency:
      threshold_ms: 300
    error_rate:
      threshold: "2%"
  interval: 500ms
  failure_limit: 2
  watch: 1m
chatops:
  platform: slack
  channel: "#deploys"
  notify_on: [failure, rollback, deploy]
  allow:
    rollback: [U0123, "@oncall"]
pipeline:
  stages: [analyze, test, build, deploy, observe]
  retry_on_failure: true
  max_attempts: 2
  deploy_branches: [main]
  notify_on_success: true
  approvals: [deploy]
ai:
  backend: llamacpp
  model: models/qwen.gguf
  timeout: 2m
"""


def problems(text: str) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    return list(caught.value.problems)


def test_a_full_config_reads_every_section() -> None:
    config = parse_config(FULL)
    assert config.project.name == "shop" and config.project.repo == "https://github.com/acme/shop.git"
    assert config.build.registry == "ghcr.io/acme" and config.build.dockerfile == "Dockerfile"
    assert config.testing.coverage.threshold == 80.0 and config.testing.timeout == 600
    assert config.testing.generate is False and config.testing.command == "pytest -q"
    d = config.deployment
    assert (d.provider, d.region, d.strategy.type, d.strategy.steps) == (
        "aws",
        "eu-west-1",
        "canary",
        [20, 50, 100],
    )
    assert d.strategy.interval == 2
    api, web = d.services
    assert (api.name, api.path, api.runtime, api.port, api.health) == (
        "api",
        "backend",
        "docker",
        5000,
        "/healthz",
    )
    assert api.env == {"LOG_LEVEL": "info", "WORKERS": 4} and api.command == ["gunicorn", "app:app"]
    assert (web.health, web.depends_on, web.replicas, web.runtime) == ("/", ["api"], 2, "kubernetes")
    assert config.infrastructure.path == "infra/"
    assert config.secrets.manager == "aws-secrets-manager" and config.secrets.keys == [
        "DB_PASSWORD",
        "STRIPE_KEY",
    ]
    t = config.rollback.threshold
    assert (t.cpu, t.errors, t.duration, t.memory_mb) == (80.0, 5.0, 30.0, 512)
    o = config.observability
    assert o.alerts.latency is not None and o.alerts.latency.threshold_ms == 300
    assert o.alerts.error_rate is not None and o.alerts.error_rate.threshold == 2.0
    assert (o.interval, o.failure_limit, o.watch, o.tools) == (0.5, 2, 60, ["prometheus"])
    assert config.chatops.channel == "#deploys" and config.chatops.allow == {"rollback": ["U0123", "@oncall"]}
    p = config.pipeline
    assert p.stages == ["analyze", "test", "build", "deploy", "observe"] and p.approvals == ["deploy"]
    assert (p.retry_on_failure, p.max_attempts, p.deploy_branches) == (True, 2, ["main"])
    assert (config.ai.backend, config.ai.model, config.ai.timeout) == ("llamacpp", "models/qwen.gguf", 120)


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "# nothing here yet\n   # still nothing\n", "---\n", "build:\n  # tool: npm\ndeployment:\n"],
    ids=["empty", "blank", "comments", "document-marker", "empty-sections"],
)
def test_an_empty_file_is_all_defaults(text: str) -> None:
    config = parse_config(text)
    assert config == OrchestraConfig()
    assert config.build.tool == "docker" and config.deployment.strategy.type == "rolling"
    assert config.pipeline.stages == ["analyze", "test", "scan", "build", "provision", "deploy", "observe"]


def test_load_config_names_the_file(tmp_path: Path) -> None:
    good = tmp_path / "devops_orchestra.yaml"
    good.write_text(FULL)
    assert load_config(good).project.name == "shop"
    bad = tmp_path / "bad.yaml"
    bad.write_text("project:\n  nmae: shop\n")
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    assert str(caught.value) == f"{bad}:2:3: project.nmae: unknown key (did you mean 'name'?)"
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    ("text", "line", "column", "problem"),
    [
        ("project:\n  name: [shop, app\n", 3, 1, "expected ',' or ']'"),
        ("project:\n  name: shop\n   language: go\n", 3, 12, "mapping values are not allowed here"),
        ("project: {name: 'shop}\n", 2, 1, "found unexpected end of stream"),
        ("project:\n\tname: shop\n", 2, 1, "found character '\\t' that cannot start any token"),
        ("a: 1\n---\nb: 2\n", 2, 1, "but found another document"),
        ("a: *nowhere\n", 1, 4, "found undefined alias"),
    ],
    ids=["unclosed-list", "bad-indent", "unclosed-quote", "tab", "two-documents", "undefined-alias"],
)
def test_yaml_syntax_errors_give_line_and_column(text: str, line: int, column: int, problem: str) -> None:
    (found,) = problems(text)
    assert (found.line, found.column) == (line, column)
    assert problem in found.message and found.message.startswith("invalid YAML")


@pytest.mark.parametrize(
    ("text", "path", "line", "column", "hint"),
    [
        ("deploymnet:\n  provider: aws\n", "deploymnet", 1, 1, "did you mean 'deployment'?"),
        ("deployment:\n  servcies: []\n", "deployment.servcies", 2, 3, "did you mean 'services'?"),
        (
            "deployment:\n  services:\n    - name: api\n      helth: /up\n",
            "deployment.services[0].helth",
            4,
            7,
            "did you mean 'health'?",
        ),
        ("testing:\n  coverge: 80\n", "testing.coverge", 2, 3, "did you mean 'coverage'?"),
        ("port: 8080\n", "port", 1, 1, "'port' goes under deployment.services[]"),
        ("build:\n  zzz: 1\n", "build.zzz", 2, 3, "known keys here: command, context, dockerfile"),
    ],
    ids=["deployment", "services", "health", "coverage", "elsewhere", "no-match"],
)
def test_unknown_keys_suggest_the_right_one(text: str, path: str, line: int, column: int, hint: str) -> None:
    (found,) = problems(text)
    assert found.message == "unknown key"
    assert found.path == path
    assert (found.line, found.column) == (line, column)
    assert found.hint is not None and found.hint.startswith(hint)


@pytest.mark.parametrize(
    ("text", "path", "line", "message"),
    [
        (
            "deployment:\n  services:\n    - name: api\n      port: 80\n    - name: web\n      port: abc\n",
            "deployment.services[1].port",
            6,
            "expected a whole number, got 'abc'",
        ),
        (
            "deployment:\n  services:\n    - name: api\n      port: 70000\n",
            "deployment.services[0].port",
            4,
            "must be at most 65535, got 70000",
        ),
        (
            "deployment:\n  services:\n    - name: api\n      command: 5\n",
            "deployment.services[0].command",
            4,
            "expected text or a list, got 5",
        ),
        (
            "deployment:\n  strategy: canery\n",
            "deployment.strategy",
            2,
            "expected one of 'blue-green', 'canary' or 'rolling', got 'canery'",
        ),
        (
            "deployment:\n  strategy:\n    steps: [50, 10]\n",
            "deployment.strategy.steps",
            3,
            "steps must be increasing percentages ending at 100",
        ),
        ("testing:\n  coverage: lots\n", "testing.coverage", 2, "expected a number, got 'lots'"),
        (
            "testing:\n  timeout: soon\n",
            "testing.timeout",
            2,
            "'soon' is not a duration like 30s, 5m or 500ms",
        ),
        ("testing:\n  enabled: maybe\n", "testing.enabled", 2, "expected true or false, got 'maybe'"),
        ("pipeline:\n  stages: [analyze, tset]\n", "pipeline.stages[1]", 2, "expected one of 'analyze'"),
        (
            "deployment:\n  services:\n    - path: api\n",
            "deployment.services[0].name",
            3,
            "missing required key 'name'",
        ),
        (
            "deployment:\n  services:\n    - name: My App\n",
            "deployment.services[0].name",
            3,
            "a name is lower-case letters",
        ),
        (
            "deployment:\n  services:\n    - name: api\n      health: up\n",
            "deployment.services[0].health",
            4,
            "a health path starts with /",
        ),
        ("version: 2\n", "version", 1, "expected 1, got 2"),
        (
            "observability:\n  alerts:\n    error_rate: 5\n",
            "observability.alerts.error_rate",
            3,
            "expected a mapping (key: value), got 5",
        ),
    ],
    ids=[
        "port-abc",
        "port-range",
        "command-type",
        "strategy-typo",
        "steps",
        "coverage",
        "duration",
        "bool",
        "stage",
        "missing-name",
        "bad-name",
        "health",
        "version",
        "mapping",
    ],
)
def test_wrong_values_give_path_line_and_a_short_message(
    text: str, path: str, line: int, message: str
) -> None:
    (found,) = problems(text)
    assert (found.path, found.line) == (path, line)
    assert found.message.startswith(message), found.message


def test_the_error_reads_one_line_per_problem_in_file_order() -> None:
    text = "deployment:\n  services:\n    - name: api\n      port: abc\n  strategy: canery\nbuidl: {}\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert str(caught.value).splitlines() == [
        "devops_orchestra.yaml:4:13: deployment.services[0].port: expected a whole number, got 'abc'",
        "devops_orchestra.yaml:5:13: deployment.strategy: expected one of 'blue-green', 'canary' or "
        "'rolling', got 'canery' (did you mean 'canary'?)",
        "devops_orchestra.yaml:6:1: buidl: unknown key (did you mean 'build'?)",
    ]


def test_a_literal_typo_gets_a_suggestion() -> None:
    (found,) = problems("pipeline:\n  approvals: [deplyo]\n")
    assert found.path == "pipeline.approvals[0]" and found.hint == "did you mean 'deploy'?"


def test_a_duplicate_key_is_an_error_at_its_second_line() -> None:
    (found,) = problems("project:\n  name: shop\n  language: go\n  name: shop2\n")
    assert (found.path, found.line, found.column) == ("project.name", 4, 3)
    assert found.message == "duplicate key 'name' (first at line 2)"


def test_duplicates_are_reported_with_other_problems() -> None:
    found = problems("build:\n  tool: npm\nbuild:\n  tool: gradle\n")
    assert [(p.path, p.line) for p in found] == [("build", 3), ("build.tool", 4)]
    assert found[0].message.startswith("duplicate key 'build'")


def test_merged_keys_are_not_duplicates_and_errors_inside_them_are_found() -> None:
    text = (
        "deployment:\n  services:\n    - &api\n      name: api\n      port: 5000\n"
        "    - <<: *api\n      name: worker\n"
    )
    config = parse_config(text)
    assert [(s.name, s.port) for s in config.deployment.services] == [("api", 5000), ("worker", 5000)]
    bad = problems(text.replace("5000", "abc"))
    assert {(p.path, p.line) for p in bad} == {
        ("deployment.services[0].port", 5),
        ("deployment.services[1].port", 5),
    }


@pytest.mark.parametrize(
    ("text", "line", "got"),
    [("- build\n- deploy\n", 1, "a list"), ("just text\n", 1, "text"), ("\n\n42\n", 3, "a number")],
    ids=["list", "text", "number"],
)
def test_the_top_level_must_be_a_mapping(text: str, line: int, got: str) -> None:
    (found,) = problems(text)
    assert found.line == line and found.message.startswith("the top level must be a mapping")
    assert found.message.endswith(f"got {got}")


def test_keys_must_be_text() -> None:
    (found,) = problems("on: push\n")
    assert (found.line, found.message) == (1, "a key must be text, got 'on'")


@pytest.mark.parametrize(
    ("text", "path", "line"),
    [
        ("secrets:\n  keys:\n    - DB_USER\n    - DB_PASSWORD=hunter2\n", "secrets.keys[1]", 4),
        ("secrets:\n  keys: [DB_PASSWORD: hunter2]\n", "secrets.keys[0]", 2),
        ("secrets:\n  keys: DB_PASSWORD=hunter2\n", "secrets.keys", 2),
        ("secrets:\n  keys: ['hunter2 is the password']\n", "secrets.keys[0]", 2),
        ("secrets: hunter2\n", "secrets", 1),
    ],
    ids=["name=value", "mapping", "text", "sentence", "section"],
)
def test_a_secret_value_is_refused_and_never_repeated(text: str, path: str, line: int) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    (found,) = caught.value.problems
    assert (found.path, found.line) == (path, line)
    shown = "".join(traceback.format_exception(caught.value)) + repr(caught.value.problems)
    assert "hunter2" not in shown


def test_a_secret_name_with_a_value_is_named_without_it() -> None:
    (found,) = problems("secrets:\n  keys: [DB_PASSWORD=hunter2]\n")
    assert "'DB_PASSWORD'" in found.message and "hunter2" not in found.message


@pytest.mark.parametrize(
    ("services", "path", "line", "message"),
    [
        (
            "    - name: api\n      depends_on: [db]\n",
            "deployment.services[0].depends_on[0]",
            4,
            "service 'api' depends on 'db', which is not a service",
        ),
        (
            "    - name: api\n      depends_on: [web]\n    - name: web\n      depends_on: [api]\n",
            "deployment.services[0].depends_on[0]",
            4,
            "depends_on has a cycle: api -> web -> api",
        ),
        (
            "    - name: api\n      depends_on: [api]\n",
            "deployment.services[0].depends_on[0]",
            4,
            "service 'api' depends on itself",
        ),
        (
            "    - name: api\n    - name: api\n",
            "deployment.services[1].name",
            4,
            "service names must be unique: api",
        ),
    ],
    ids=["unknown", "cycle", "itself", "duplicate-name"],
)
def test_depends_on_must_name_services_without_cycles(
    services: str, path: str, line: int, message: str
) -> None:
    (found,) = problems("deployment:\n  services:\n" + services)
    assert (found.path, found.line, found.message) == (path, line, message)


def test_aliases_that_expand_without_end_are_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    (found,) = problems("\n".join(lines) + "\n")
    assert "too large" in found.message
