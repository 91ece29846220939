"""``devops_orchestra.yaml``: its models, loading with line:column errors, inference from the
detected stack for repositories without one, and a commented starter file."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ._shape import _item_model, _model_of
from .errors import ConfigError, Problem
from .infer import complete_config, find_config, infer_config, resolve_config
from .loader import CONFIG_FILENAMES, load_config, parse_config
from .models import (
    AI,
    STAGES,
    Alerts,
    Build,
    ChatOps,
    Coverage,
    Deployment,
    ErrorRateAlert,
    Infrastructure,
    LatencyAlert,
    Observability,
    OrchestraConfig,
    Pipeline,
    Project,
    Rollback,
    Secrets,
    Service,
    Stage,
    Strategy,
    Testing,
    Thresholds,
)
from .starter import starter_yaml

__all__ = [
    "AI",
    "CONFIG_FILENAMES",
    "STAGES",
    "Alerts",
    "Build",
    "ChatOps",
    "ConfigError",
    "Coverage",
    "Deployment",
    "ErrorRateAlert",
    "Infrastructure",
    "LatencyAlert",
    "Observability",
    "OrchestraConfig",
    "Pipeline",
    "Problem",
    "Project",
    "Rollback",
    "Secrets",
    "Service",
    "Stage",
    "Strategy",
    "Testing",
    "Thresholds",
    "complete_config",
    "find_config",
    "infer_config",
    "json_schema",
    "load_config",
    "parse_config",
    "resolve_config",
    "starter_yaml",
]

SCHEMA_ID = "https://json-schema.org/draft/2020-12/schema"
_DURATION = {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(ms|s|m|h)?\s*$"}
_PERCENT = {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%\s*$"}
_META = ("title", "description", "default")


def json_schema() -> dict[str, Any]:
    """The JSON Schema of ``devops_orchestra.yaml``, for editors (yaml-language-server) and CI.

    pydantic's schema describes the models after their "before" validators run, so the forms
    users write are added back: durations (``30s``), percentages (``"2%"``), the shorthands
    ``coverage: 80`` and ``strategy: canary``, and a field's name next to its alias."""
    schema = OrchestraConfig.model_json_schema()
    for model in _models(OrchestraConfig):
        _widen(model, schema["$defs"].get(model.__name__, schema), schema["$defs"])
    return {"$schema": SCHEMA_ID, **schema, "title": "devops_orchestra.yaml"}


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    found = [root]
    for info in root.model_fields.values():
        sub = _model_of(info.annotation) or _item_model(info.annotation)
        if sub and sub not in found:
            found += [m for m in _models(sub) if m not in found]
    return found


def _widen(model: type[BaseModel], entry: dict[str, Any], defs: dict[str, Any]) -> None:
    props: dict[str, Any] = entry["properties"]
    for validator in model.__pydantic_decorators__.field_validators.values():
        extra = {"_seconds": _DURATION, "_percent": _PERCENT}.get(validator.func.__name__)
        for field in validator.info.fields if extra else ():
            key = model.model_fields[field].alias or field
            props[key] = _any_of(props[key], extra)
    for name, info in model.model_fields.items():
        if info.alias and info.alias in props:
            props[name] = props[info.alias]
    if "_shorthand" in model.__pydantic_decorators__.model_validators:  # sets the first field
        first = props[next(iter(model.model_fields))]
        whole = {k: v for k, v in entry.items() if k not in _META}
        defs[model.__name__] = {"title": model.__name__, "anyOf": [whole, *_any_of(first, None)["anyOf"]]}


def _any_of(prop: dict[str, Any], extra: dict[str, Any] | None) -> dict[str, Any]:
    core = {k: v for k, v in prop.items() if k not in _META}
    options = core["anyOf"] if list(core) == ["anyOf"] else [core]
    return {**{k: prop[k] for k in _META if k in prop}, "anyOf": [*options, *([extra] if extra else [])]}
