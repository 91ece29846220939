"""A config from what stack detection found: the whole of it for a repository without a
``devops_orchestra.yaml``, and the gaps of one that has it (never what the user wrote).

Every value taken from detection comes with a note saying what it was and why, e.g.
``backend: port 5000 (detected: app.run(port=5000) in app.py)``.
"""

from __future__ import annotations

import logging
import re
import shlex
from pathlib import Path, PurePosixPath
from typing import Any

from ..detect.model import RepoStack, ServiceStack
from .loader import CONFIG_FILENAMES, load_config
from .models import Deployment, OrchestraConfig, Project, Service

logger = logging.getLogger(__name__)

_FILLED = ("port", "command", "test_command", "language", "framework", "health")
"""Service fields taken from detection when the user left them empty."""
_EVIDENCE = {
    "port": "port",
    "command": "start",
    "test_command": "tests",
    "language": "language",
    "framework": "framework",
    "health": "health",
}
"""Service field -> the word detection's evidence for it starts with (``port 5000: ...``)."""


def infer_config(stack: RepoStack, name: str | None = None) -> OrchestraConfig:
    """The config for a repository that has none: one service per detected service."""
    first = stack.services[0] if stack.services else None
    return OrchestraConfig(
        project=Project(
            name=name or _folder_name(stack.root),
            language=_language(first) if first else None,
            framework=first.framework if first else None,
        ),
        deployment=Deployment(services=_services(stack)),
    )


def complete_config(config: OrchestraConfig, stack: RepoStack) -> tuple[OrchestraConfig, list[str]]:
    """Fill what the config leaves empty from detection, with one note per value filled in."""
    notes: list[str] = []
    project = _complete_project(config.project, stack, notes)
    if config.deployment.services:
        services = [_complete_service(s, _match(s, stack), notes) for s in config.deployment.services]
    else:
        services = _services(stack)
        for service in services:
            notes.extend(_detected_notes(service, _match(service, stack)))
    deployment = Deployment.model_validate(
        {**_given(config.deployment), "services": [_given(s) for s in services]}
    )
    completed = config.model_copy(update={"project": project, "deployment": deployment})
    for note in notes:
        logger.debug("inferred %s", note)
    return completed, notes


def resolve_config(root: Path) -> tuple[OrchestraConfig, list[str], bool]:
    """The config a run of ``root`` uses: its file if it has one, else inferred; completed from
    detection either way. Returns (config, notes, inferred). Raises ConfigError for a bad file."""
    from ..detect import detect  # lazily: reading a config file needs no detection

    found = find_config(root)
    written = load_config(found) if found else None  # a bad file fails before detection runs
    config, notes = complete_config(written or OrchestraConfig(), detect(root))
    if written is None:
        return config, [f"no {CONFIG_FILENAMES[0]}: inferred from the repository", *notes], True
    return config, notes, False


def find_config(root: Path) -> Path | None:
    """``root/devops_orchestra.yaml`` (or ``.yml``) when there is one."""
    for name in CONFIG_FILENAMES:
        if (root / name).is_file():
            return root / name
    return None


def _services(stack: RepoStack) -> list[Service]:
    names: list[str] = []
    for detected in stack.services:
        name = _service_name(detected.name)
        n = 2
        while name in names:
            name, n = f"{_service_name(detected.name)[:60]}-{n}", n + 1
        names.append(name)
    services = [_service(name, detected) for name, detected in zip(names, stack.services, strict=True)]
    if "frontend" in names and "backend" in names:
        services = [
            s.model_copy(update={"depends_on": ["backend"]}) if s.name == "frontend" else s for s in services
        ]
    return services


def _service(name: str, detected: ServiceStack) -> Service:
    return Service.model_validate(
        {
            "name": name,
            "path": detected.path,
            "port": detected.port,
            "health": _health(detected) or "/health",
            "command": list(detected.start) or None,
            "test_command": list(detected.test_command) or None,
            "language": _language(detected),
            "framework": detected.framework,
        }
    )


def _detected_notes(service: Service, detected: ServiceStack | None) -> list[str]:
    where = f"./{service.path}" if service.path != "." else "the repository root"
    notes = [f"{service.name}: service detected at {where}"]
    for field in _FILLED:
        value = getattr(service, field)
        if value is not None and (field != "health" or (detected and detected.health_path)):
            notes.append(_note(service.name, field, value, detected))
    if service.depends_on:
        deps = ", ".join(service.depends_on)
        notes.append(f"{service.name}: depends_on {deps} (a frontend calls its backend)")
    return notes


def _complete_project(project: Project, stack: RepoStack, notes: list[str]) -> Project:
    first = stack.services[0] if stack.services else None
    found: dict[str, Any] = {
        "name": _folder_name(stack.root),
        "language": _language(first) if first else None,
        "framework": first.framework if first else None,
    }
    update = {k: v for k, v in found.items() if v is not None and getattr(project, k) is None}
    for key, value in update.items():
        why = "the repository's folder" if key == "name" else f"detected in {first.name if first else '?'}"
        notes.append(f"project: {key} {value} ({why})")
    return project.model_copy(update=update)


def _complete_service(service: Service, detected: ServiceStack | None, notes: list[str]) -> Service:
    if detected is None:
        missing = [f for f in ("port", "command") if getattr(service, f) is None]
        if missing:
            notes.append(
                f"{service.name}: nothing detected at {service.path}; "
                f"{' and '.join(missing)} stay empty unless you set them"
            )
        return service
    found: dict[str, Any] = {
        "port": detected.port,
        "command": list(detected.start) or None,
        "test_command": list(detected.test_command) or None,
        "language": _language(detected),
        "framework": detected.framework,
        "health": _health(detected),
    }
    update: dict[str, Any] = {}
    for field, value in found.items():
        written = (
            field in service.model_fields_set if field == "health" else getattr(service, field) is not None
        )
        if value is not None and not written:
            update[field] = value
            notes.append(_note(service.name, field, value, detected))
    return Service.model_validate({**_given(service), **update}) if update else service


def _match(service: Service, stack: RepoStack) -> ServiceStack | None:
    """The detected service at the same path, else the one with the same name."""
    path = _norm(service.path)
    for detected in stack.services:
        if _norm(detected.path) == path:
            return detected
    for detected in stack.services:
        if _service_name(detected.name) == service.name:
            return detected
    return None


def _note(service: str, field: str, value: Any, detected: ServiceStack | None) -> str:
    shown = shlex.join(value) if isinstance(value, list) else str(value)
    why = evidence_for(detected, field)
    return (
        f"{service}: {field} {shown} (detected: {why})" if why else f"{service}: {field} {shown} (detected)"
    )


def evidence_for(detected: ServiceStack | None, field: str) -> str | None:
    """Why detection chose a service field's value (``app.run(port=5000) in app.py``), if it said."""
    word = _EVIDENCE.get(field, field)
    for line in detected.evidence if detected else ():
        if line.startswith((f"{word} ", f"{word}:")):
            return " ".join((line.split(": ", 1)[1] if ": " in line else line).split())
    return None


def _given(model: Any) -> dict[str, Any]:
    """What was set on a model, by field name, so that re-validating keeps "set" as it was."""
    return {name: getattr(model, name) for name in model.model_fields_set}


def _language(detected: ServiceStack) -> str | None:
    return None if detected.language in ("", "unknown") else detected.language


def _health(detected: ServiceStack) -> str | None:
    path = detected.health_path
    if not path:
        return None
    return path if path.startswith("/") else f"/{path}"


def _norm(path: str) -> str:
    return str(PurePosixPath(path.replace("\\", "/")))


def _folder_name(root: Path) -> str:
    return root.name or root.resolve().name or "project"


def _service_name(name: str) -> str:
    """A detected name made into a valid service name (lower case, ``-`` for anything else)."""
    clean = re.sub(r"[^a-z0-9\-_]+", "-", name.lower()).strip("-_")
    return clean[:63] or "app"
