"""Python services: a virtualenv in a slim Python image, the detected (or configured) start command."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ...config.models import Service
from ...detect import ServiceStack
from ...detect.python import DEFAULT_PORTS, normalise, requirement_names
from ...envs import requirements_of
from ._common import DockerfileInputs, container_argv, python_health, require_start, start_argv, version_or

DEFAULT_VERSION = "3.12"
GENERATED_REQUIREMENTS = "requirements.orchestra.txt"
"""Written into the build context when the service has no requirements.txt to copy as it is."""
_SERVERS = ("uvicorn", "gunicorn", "hypercorn", "waitress", "daphne")
"""Servers a start command may run that a service does not always declare."""


_VERSION = r"3\.\d{1,2}"


def base_image(version: str | None) -> str:
    return f"python:{version_or(version, _VERSION, DEFAULT_VERSION)}-slim-bookworm"


def undeclared_servers(argv: tuple[str, ...], requirements: tuple[str, ...]) -> list[str]:
    """Servers the start command runs (``python -m uvicorn``, ``gunicorn``) that are not declared."""
    declared = {normalise(n) for n in requirement_names(list(requirements))}
    if "fastapi" in declared and any(r.replace(" ", "").startswith("fastapi[standard") for r in requirements):
        declared.add("uvicorn")
    used = {a for a in argv[:3] if a in _SERVERS}
    return sorted(used - declared)


def python_inputs(
    service_dir: Path, service: Service, stack: ServiceStack, added: Sequence[str] = ()
) -> DockerfileInputs:
    """``added``: requirements a diagnosis found missing (``add_requirement`` fixes)."""
    port = service.port or stack.port or DEFAULT_PORTS.get(stack.framework or "", 8000)
    cmd = container_argv(require_start(service.name, start_argv(service, stack.start)), port)
    requirements = requirements_of(service_dir)
    extras = [*undeclared_servers(cmd, requirements), *(a for a in added if a not in requirements)]
    files: dict[str, str] = {}
    if (service_dir / "requirements.txt").is_file() and not extras:
        listing: str | None = "requirements.txt"
    elif requirements or extras:
        listing = GENERATED_REQUIREMENTS
        files[listing] = "\n".join([*requirements, *extras]) + "\n"
    else:
        listing = None
    base = base_image(stack.runtime_version)
    in_venv = cmd[0] in ("python", "python3", "flask", *_SERVERS)
    venv_cmd = [f"/opt/venv/bin/{cmd[0]}", *cmd[1:]] if in_venv else list(cmd)
    setup = "python3 -m venv /opt/venv" + (
        f" && /opt/venv/bin/pip install --no-cache-dir -r {listing}" if listing else ""
    )
    return DockerfileInputs(
        service=service.name,
        template="python",
        language="python",
        framework=stack.framework,
        port=port,
        health_path=service.health,
        cmd=cmd,
        health_cmd=python_health(service.health, port),
        values={"base_image": base, "requirements": listing, "extra_packages": extras},
        files=files,
        fallback={"setup": [setup], "cmd": venv_cmd},
    )
