"""Kubernetes manifests of a release: generated per track, validated offline against the
Kubernetes schemas with kubernetes-validate. No API server exists here, so apply is only
checked to refuse without a kubeconfig."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from capabilities.config.models import Service
from capabilities.deploy.kubernetes import (
    KUBERNETES_VERSION,
    ManifestInvalid,
    apply,
    kubeconfig,
    manifests,
    validate,
)
from capabilities.errors import NotAvailable, TaskFailed
from capabilities.release import Release

DIGEST = "sha256:" + "b" * 64


def release(**changes: Any) -> Release:
    values: dict[str, Any] = {
        "service": "backend",
        "version": "abc1234-1",
        "kind": "image",
        "repo": "https://example.invalid/shop.git",
        "commit": "abc1234",
        "image": "127.0.0.1:5000/shop/backend:abc1234",
        "digest": DIGEST,
        "port": 5000,
        "health": "/health",
        "env": {"GREETING": 'hello: "world"', "EMPTY": ""},
        "secret_names": ["DB_PASSWORD"],
    }
    return Release(**(values | changes))


SERVICE = Service(name="backend", port=5000, replicas=4, health_path="/health")


def by_kind(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["kind"]: o for o in objects}


@pytest.mark.parametrize(("track", "weight"), [("stable", 100), ("canary", 10), ("canary", 50)])
def test_each_track_validates_against_the_kubernetes_schema(track: Any, weight: int) -> None:
    objects = manifests(release(), SERVICE, track, weight, "shop")
    assert [o["kind"] for o in objects] == ["Deployment", "Service", "Ingress"]
    validate(objects)  # raises ManifestInvalid
    validate(objects, "1.37.0")


def test_the_canary_ingress_carries_its_weight() -> None:
    canary = by_kind(manifests(release(), SERVICE, "canary", 25, "shop"))
    ingress = canary["Ingress"]
    assert ingress["metadata"]["name"] == "backend-canary"
    assert ingress["metadata"]["annotations"] == {
        "nginx.ingress.kubernetes.io/canary": "true",
        "nginx.ingress.kubernetes.io/canary-weight": "25",
    }
    assert ingress["spec"]["ingressClassName"] == "nginx"
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "backend-canary" == canary["Service"]["metadata"]["name"]
    assert canary["Service"]["spec"]["selector"]["devops-orchestra/track"] == "canary"
    assert canary["Deployment"]["spec"]["replicas"] == 1  # 25% of 4

    stable = by_kind(manifests(release(), SERVICE, "stable", 100, "shop"))
    assert "annotations" not in stable["Ingress"]["metadata"]
    assert stable["Deployment"]["spec"]["replicas"] == 4
    assert stable["Service"]["spec"]["selector"]["devops-orchestra/track"] == "stable"


def test_the_deployment_is_hardened_and_probed() -> None:
    deployment = by_kind(manifests(release(), SERVICE, "stable", 100, "shop"))["Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["image"] == f"127.0.0.1:5000/shop/backend:abc1234@{DIGEST}"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert container["resources"]["requests"] and container["resources"]["limits"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/health", "port": "http"}
    env = {e["name"]: e for e in container["env"]}
    assert env["GREETING"]["value"] == 'hello: "world"'  # quoted safely
    assert env["EMPTY"]["value"] == ""
    # a secret by reference, never by value
    assert env["DB_PASSWORD"] == {
        "name": "DB_PASSWORD",
        "valueFrom": {"secretKeyRef": {"name": "backend-secrets", "key": "DB_PASSWORD"}},
    }


def test_an_invalid_manifest_is_refused_with_where() -> None:
    objects = manifests(release(), SERVICE, "stable", 100, "shop")
    objects[0]["spec"]["replicas"] = "four"
    objects[2]["spec"]["bogus"] = True  # strict: unknown fields are errors
    with pytest.raises(ManifestInvalid) as caught:
        validate(objects, KUBERNETES_VERSION)
    assert "Deployment/backend: spec.replicas" in str(caught.value)
    assert "Ingress/backend" in str(caught.value)


def test_names_are_dns_labels_and_weights_percentages() -> None:
    service = Service(name="my_api", port=8080)
    objects = manifests(release(service="my_api"), service, "canary", 10, "shop")
    assert objects[0]["metadata"]["name"] == "my-api-canary"
    validate(objects)
    with pytest.raises(ValueError, match="percentage"):
        manifests(release(), SERVICE, "canary", 120, "shop")


def test_only_image_releases_deploy_to_kubernetes() -> None:
    with pytest.raises(TaskFailed, match="deploys images"):
        manifests(release(kind="local", image=None), SERVICE, "stable", 100, "shop")


@pytest.mark.anyio
async def test_apply_needs_a_kubeconfig(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert kubeconfig() is None
    with pytest.raises(NotAvailable, match="no kubeconfig"):
        await apply(manifests(release(), SERVICE, "stable", 100, "shop"))
