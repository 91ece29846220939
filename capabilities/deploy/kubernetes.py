"""Kubernetes manifests of a release: a Deployment per track, its Service, an NGINX Ingress.

    stable  Deployment <svc>          Service <svc>          Ingress <svc>
    canary  Deployment <svc>-canary   Service <svc>-canary   Ingress <svc>-canary
                                                             (nginx.ingress.kubernetes.io/canary: "true",
                                                              canary-weight: <weight>)

Rendered from ``infra_templates/k8s/`` (Jinja2, every value through ``tojson``), validated
offline against Kubernetes' OpenAPI schemas with kubernetes-validate (strict: unknown fields are
errors), applied with the kubernetes client (server-side apply) only when a kubeconfig exists
(``KUBECONFIG`` or ``~/.kube/config``). Secrets are referenced from a Secret ``<svc>-secrets``
that the secret manager keeps in sync; no value is ever written into a manifest.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import anyio
import yaml

from ..config.models import Service
from ..errors import NotAvailable, TaskFailed
from ..release import Release
from ..templates import template_environment

__all__ = [
    "KUBERNETES_VERSION",
    "ManifestInvalid",
    "Track",
    "apply",
    "kubeconfig",
    "manifests",
    "object_name",
    "validate",
]

log = logging.getLogger(__name__)

KUBERNETES_VERSION = "1.30.0"
"""Schemas kubernetes-validate ships offline for this version (1.25 to 1.37 in its 1.37 release)."""
FIELD_MANAGER = "devops-orchestra"

Track = Literal["stable", "canary"]


class ManifestInvalid(TaskFailed):
    """A generated manifest does not validate against the Kubernetes schema."""


def object_name(service: str, track: Track) -> str:
    """A DNS-1123 name: ``backend`` for stable, ``backend-canary`` for the canary."""
    base = re.sub(r"[^a-z0-9-]", "-", service.lower()).strip("-")[:56] or "service"
    return base if track == "stable" else f"{base}-canary"


def manifests(
    release: Release,
    service: Service,
    track: Track,
    weight: int,
    namespace: str,
    *,
    host: str | None = None,
    ingress_class: str = "nginx",
) -> list[dict[str, Any]]:
    """Deployment, Service and Ingress of ``track``; ``weight`` (percent) is the canary's traffic."""
    if not 0 <= weight <= 100:
        raise ValueError(f"weight must be a percentage, not {weight}")
    if release.kind != "image" or not release.image:
        raise TaskFailed(
            f"the kubernetes runtime deploys images: the release of {service.name} is {release.kind}; "
            "set build.tool: docker so the build stage produces one"
        )
    image = (
        f"{release.image}@{release.digest}" if release.digest and "@" not in release.image else release.image
    )
    name = object_name(service.name, track)
    selector = {
        "app.kubernetes.io/name": object_name(service.name, "stable"),
        "devops-orchestra/track": track,
    }
    labels = {
        **selector,
        "app.kubernetes.io/version": _label_value(release.version),
        "app.kubernetes.io/managed-by": FIELD_MANAGER,
    }
    replicas = service.replicas if track == "stable" else max(1, round(service.replicas * weight / 100))
    secrets = [k for k in release.secret_names if k not in release.env]
    context: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "labels": labels,
        "selector": selector,
        "service": object_name(service.name, "stable"),
        "version": release.version,
        "image": image,
        "replicas": replicas,
        "port": release.port or service.port or 8080,
        "health": release.health or service.health,
        "env": {k: str(v) for k, v in (release.env or {k: str(v) for k, v in service.env.items()}).items()},
        "secrets": secrets,
        "secret_name": f"{object_name(service.name, 'stable')}-secrets",
        "cpu_request": "100m",
        "memory_request": "128Mi",
        "cpu_limit": "500m",
        "memory_limit": "512Mi",
        "canary": track == "canary",
        "weight": weight,
        "host": host,
        "ingress_class": ingress_class,
        "backend": name,
    }
    env = template_environment("k8s")
    rendered = [
        env.get_template(f"{kind}.yaml.j2").render(context) for kind in ("deployment", "service", "ingress")
    ]
    return [dict(yaml.safe_load(text)) for text in rendered]


def validate(objects: Sequence[dict[str, Any]], version: str = KUBERNETES_VERSION) -> None:
    """Every object against the Kubernetes ``version`` schema, strictly; raises ManifestInvalid."""
    import kubernetes_validate

    problems = []
    for obj in objects:
        what = f"{obj.get('kind', '?')}/{(obj.get('metadata') or {}).get('name', '?')}"
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            problems.append(f"{what}: {path or '(top)'}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError:
            problems.append(
                f"{what}: no schema for {obj.get('apiVersion')} {obj.get('kind')} in Kubernetes {version}"
            )
    if problems:
        raise ManifestInvalid("manifests do not validate:\n" + "\n".join(problems))


def kubeconfig() -> Path | None:
    """``KUBECONFIG`` (its first existing file) or ``~/.kube/config``; None when there is none."""
    candidates = [Path(p) for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    candidates.append(Path.home() / ".kube" / "config")
    return next((p for p in candidates if p.is_file()), None)


async def apply(objects: Sequence[dict[str, Any]], *, context: str | None = None) -> list[str]:
    """Server-side apply of every object (in a worker thread); returns ``Kind/name`` applied.

    Raises NotAvailable when there is no kubeconfig: nothing to apply to.
    """
    config = kubeconfig()
    if config is None:
        raise NotAvailable("no kubeconfig (KUBECONFIG or ~/.kube/config): no cluster to apply to")
    validate(objects)
    return await anyio.to_thread.run_sync(_apply_sync, list(objects), config, context)


def _apply_sync(objects: list[dict[str, Any]], config: Path, context: str | None) -> list[str]:
    from kubernetes import config as kube_config
    from kubernetes import dynamic

    # the client's constructors carry no annotations
    api = kube_config.new_client_from_config(config_file=str(config), context=context)  # type: ignore[no-untyped-call]
    client = dynamic.DynamicClient(api)  # type: ignore[no-untyped-call]
    applied = []
    for obj in objects:
        meta = obj["metadata"]
        resource = client.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        resource.server_side_apply(
            body=obj,
            name=meta["name"],
            namespace=meta.get("namespace"),
            field_manager=FIELD_MANAGER,
            force_conflicts=True,
        )
        applied.append(f"{obj['kind']}/{meta['name']}")
        log.info("applied %s in %s", applied[-1], meta.get("namespace"))
    return applied


def _label_value(value: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "-", value)[:63]
    return cleaned.strip("-._") or "unknown"
