"""Planner DAGs: push, pull request, other branches, monorepo changes, depends_on, filters."""

from __future__ import annotations

from typing import Any

import pytest

from blackboard import check_plan
from capabilities.config.models import OrchestraConfig
from capabilities.plan import Trigger, plan


def config(**sections: Any) -> OrchestraConfig:
    base: dict[str, Any] = {
        "deployment": {
            "services": [
                {"name": "backend", "path": "backend"},
                {"name": "frontend", "path": "frontend", "depends_on": ["backend"]},
            ]
        }
    }
    base.update(sections)
    return OrchestraConfig.model_validate(base)


def trigger(event: str = "push", branch: str = "main", **kw: Any) -> Trigger:
    return Trigger(event=event, repo="file:///r", commit="c" * 40, branch=branch, **kw)  # type: ignore[arg-type]


def needs(planned: Any) -> dict[str, set[str]]:
    return {s.id: set(s.needs) for s in planned.specs}


def test_a_push_to_a_deploy_branch_plans_every_stage_per_service() -> None:
    planned = plan(config(), trigger())
    assert planned.kind == "deploy"
    n = needs(planned)
    assert n["analyze:backend"] == {"plan"}
    assert n["test:backend"] == n["scan:backend"] == {"analyze:backend"}
    assert n["build:backend"] == {"test:backend", "scan:backend"}
    assert n["deploy:backend"] == {"build:backend"}  # local: no infrastructure to provision
    assert n["observe:backend"] == {"deploy:backend"}
    # depends_on: the frontend deploys after the backend's deploy and its analysis
    assert n["deploy:frontend"] == {"build:frontend", "observe:backend"}
    report = next(s for s in planned.specs if s.id == "report")
    assert report.always and set(report.needs) == {s.id for s in planned.specs} - {"report"}
    check_plan(planned.specs, existing=frozenset({"plan"}))  # a valid DAG under the plan task


def test_a_pull_request_never_deploys() -> None:
    planned = plan(config(), trigger("pull_request", branch="feature", base="main", pr=7))
    assert planned.kind == "pr"
    assert {s.capability for s in planned.specs} == {"analyze", "test", "scan", "report"}


def test_other_branches_get_ci_stages_only() -> None:
    planned = plan(config(), trigger(branch="feature/x"))
    assert planned.kind == "ci"
    assert {s.capability for s in planned.specs} == {"analyze", "test", "scan", "build", "report"}


def test_a_manual_run_deploys_from_any_branch() -> None:
    assert plan(config(), trigger("manual", branch="local")).kind == "deploy"


def test_services_run_in_parallel() -> None:
    n = needs(plan(config(), trigger()))
    assert n["analyze:frontend"] == {"plan"} == n["analyze:backend"]


@pytest.mark.parametrize(
    ("changed", "planned_services"),
    [
        (("frontend/server.js",), ["frontend"]),
        (("backend/app.py", "backend/requirements.txt"), ["backend"]),
        (("backend/app.py", "frontend/server.js"), ["backend", "frontend"]),
        (("devops_orchestra.yaml",), ["backend", "frontend"]),  # a shared file touches all
        (None, ["backend", "frontend"]),  # unknown: everything
    ],
)
def test_changed_paths_rebuild_only_touched_services(changed: Any, planned_services: list[str]) -> None:
    planned = plan(config(), trigger(changed=changed))
    assert planned.services == planned_services
    if planned_services == ["frontend"]:
        assert planned.skipped == {"backend": "unchanged by this push"}
        # the backend is not redeployed, so the frontend does not wait for it
        assert needs(planned)["deploy:frontend"] == {"build:frontend"}


def test_provision_is_planned_for_cloud_runtimes() -> None:
    cfg = config(deployment={"provider": "aws", "services": [{"name": "api", "runtime": "ec2", "port": 80}]})
    n = needs(plan(cfg, trigger()))
    assert n["provision:api"] == {"build:api"} and n["deploy:api"] == {"provision:api"}


def test_stage_filters_approvals_and_disabled_tests() -> None:
    cfg = config(testing={"enabled": False}, pipeline={"approvals": ["deploy"]})
    planned = plan(cfg, trigger())
    ids = {s.id for s in planned.specs}
    assert "test:backend" not in ids
    assert needs(planned)["build:backend"] == {"scan:backend"}
    assert all(s.approval for s in planned.specs if s.capability == "deploy")
    only = plan(config(), trigger(only=("analyze", "test")))
    assert {s.capability for s in only.specs} == {"analyze", "test", "report"}
    custom = plan(config(pipeline={"stages": ["analyze", "build", "deploy"]}), trigger())
    assert needs(custom)["build:backend"] == {"analyze:backend"}


def test_asking_for_one_service() -> None:
    planned = plan(config(), trigger(services=("frontend", "nope")))
    assert planned.services == ["frontend"]
    assert planned.skipped["backend"] == "not asked for"
    assert "no such service" in planned.skipped["nope"]


def test_pipeline_max_attempts_reach_every_task() -> None:
    planned = plan(config(pipeline={"max_attempts": 5}), trigger())
    assert {s.max_attempts for s in planned.specs} == {5}
