"""Deploys on the ``kubernetes`` runtime: the manifests of every step of the strategy, rendered
from ``infra_templates/k8s/`` and validated offline, stored as artifacts, and applied step by
step with the kubernetes client when a kubeconfig is present.

A canary goes out as a second Deployment behind an NGINX-ingress canary Ingress whose weight
follows ``strategy.steps``; promotion makes the new version the stable Deployment and removes
the canary. There is no API server here: without a kubeconfig the task succeeds with
"manifests generated and validated; apply skipped: no kubeconfig", as provision does for
Terraform without a terraform binary.
"""

from __future__ import annotations

import os
import re
from typing import Any

import anyio
import yaml

from ..base import Result
from ..config.models import OrchestraConfig, Service
from ..context import Context
from ..release import Release
from .history import DeployRecord, History, project_name
from .kubernetes import apply, kubeconfig, manifests, validate

SKIPPED = "manifests generated and validated; apply skipped: no kubeconfig"


def namespace_for(config: OrchestraConfig) -> str:
    explicit = os.environ.get("ORCHESTRA_K8S_NAMESPACE")
    name = explicit or project_name(config)
    return re.sub(r"[^a-z0-9-]", "-", name.lower()).strip("-")[:63] or "default"


def rollout_steps(
    release: Release, service: Service, config: OrchestraConfig
) -> list[tuple[str, list[dict[str, Any]]]]:
    """(name, objects) per step: canary at each weight then promotion, or one step for the others."""
    ns = namespace_for(config)
    strategy = config.deployment.strategy
    steps: list[tuple[str, list[dict[str, Any]]]] = []
    if strategy.type == "canary":
        for weight in strategy.steps[:-1]:
            steps.append((f"canary-{weight}", manifests(release, service, "canary", weight, ns)))
    steps.append(("promote", manifests(release, service, "stable", 100, ns)))
    return steps


async def deploy_kubernetes(
    ctx: Context, release: Release, service: Service, config: OrchestraConfig
) -> Result:
    steps = rollout_steps(release, service, config)
    for name, objects in steps:
        validate(objects)
        await ctx.put_artifact(
            f"deploy/{service.name}/k8s/{name}.yaml",
            yaml.safe_dump_all(objects, sort_keys=False),
            content_type="application/yaml",
        )
    data: dict[str, Any] = {
        "service": service.name,
        "version": release.version,
        "strategy": config.deployment.strategy.type,
        "runtime": "kubernetes",
        "namespace": namespace_for(config),
        "steps": [name for name, _ in steps],
        "applied": False,
    }
    if kubeconfig() is None:
        return Result(f"{service.name} {release.version}: {SKIPPED}", data)
    applied: list[str] = []
    for i, (name, objects) in enumerate(steps):
        applied += await apply(objects)
        await ctx.emit("deploy.step", {"service": service.name, "step": name})
        if i < len(steps) - 1:
            await anyio.sleep(config.deployment.strategy.interval)  # the step's soak time
    data.update(applied=True, objects=applied)
    history = History(ctx, project_name(config), service.name)
    await history.record(
        DeployRecord(
            version=release.version,
            release=release.model_dump(mode="json"),
            track="stable",
            healthy=True,
            status="promoted",
            strategy=config.deployment.strategy.type,
            runtime="kubernetes",
        )
    )
    return Result(f"{service.name} {release.version} applied to namespace {data['namespace']}", data)
