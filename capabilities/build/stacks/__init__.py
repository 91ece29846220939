"""Dockerfile inputs per stack, one module per stack: what the template for a detected service is
rendered with (base images, manifests, install and start commands, the health probe)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ...config.models import Service
from ...detect import ServiceStack
from ..errors import CannotGenerate
from ._common import DockerfileInputs, container_argv
from .go import go_inputs
from .java import java_inputs
from .node import node_inputs
from .python import python_inputs
from .static import static_inputs

__all__ = ["TEMPLATES", "DockerfileInputs", "container_argv", "dockerfile_inputs", "template_for"]

InputsFor = Callable[[Path, Service, ServiceStack], DockerfileInputs]
TEMPLATES: dict[str, InputsFor] = {
    "python": python_inputs,
    "node": node_inputs,
    "static": static_inputs,
    "go": go_inputs,
    "java": java_inputs,
}
_BROWSER_APPS = frozenset({"vite", "react", "vue"})


def template_for(stack: ServiceStack) -> str | None:
    """Which template a detected service gets; a browser app built by npm is a static site."""
    if stack.language == "node" and (
        stack.framework in _BROWSER_APPS or (stack.static_root and not stack.start)
    ):
        return "static"
    return stack.language if stack.language in TEMPLATES else None


def dockerfile_inputs(
    service_dir: Path, service: Service, stack: ServiceStack, added_requirements: Sequence[str] = ()
) -> DockerfileInputs:
    """The inputs of the template for ``stack``; raises CannotGenerate for an unknown stack.

    ``added_requirements``: Python packages a diagnosis found missing, installed as well."""
    template = template_for(stack)
    if template is None:
        raise CannotGenerate(
            f"no Dockerfile template for {service.name!r} (language {stack.language}): "
            f"add a Dockerfile to {service.path} or set deployment.services[{service.name}].dockerfile"
        )
    if template == "python":
        return python_inputs(service_dir, service, stack, added_requirements)
    return TEMPLATES[template](service_dir, service, stack)
