"""The shape of the config models, read from their annotations.

Which model sits at a path (for "did you mean" on an unknown key), which sections each key name
belongs to (``port`` -> ``deployment.services[]``), and whether a field accepts ``null`` (for keys
left empty).
"""

from __future__ import annotations

import functools
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ._marks import Loc
from .models import OrchestraConfig


def _fields(model: type[BaseModel]) -> dict[str, FieldInfo]:
    """Field infos by name and by alias."""
    out: dict[str, FieldInfo] = {}
    for name, info in model.model_fields.items():
        out[name] = info
        if info.alias:
            out[info.alias] = info
    return out


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``; a union holding a model -> that model."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        return models[0] if models else (args[0] if len(args) == 1 else annotation)
    return annotation


def _model_of(annotation: Any) -> type[BaseModel] | None:
    tp = _unwrap(annotation)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _item_model(annotation: Any) -> type[BaseModel] | None:
    tp = _unwrap(annotation)
    return _model_of(get_args(tp)[0]) if get_origin(tp) is list else None


def _accepts_none(annotation: Any) -> bool:
    return annotation is None or type(None) in get_args(annotation)


def _model_at(loc: Loc) -> type[BaseModel] | None:
    model: type[BaseModel] | None = OrchestraConfig
    annotation: Any = None
    for seg in loc:
        if isinstance(seg, int):
            model = _item_model(annotation)
            annotation = None
            continue
        info = _fields(model).get(seg) if model else None
        if info is None:
            return None
        annotation = info.annotation
        model = _model_of(annotation)
    return model


@functools.cache
def _homes() -> dict[str, tuple[str, ...]]:
    """Each key name -> the sections it belongs to (``port`` -> ``deployment.services[]``)."""
    homes: dict[str, list[str]] = {}

    def visit(model: type[BaseModel], prefix: str) -> None:
        for key, info in _fields(model).items():
            homes.setdefault(key, []).append(prefix or "the top level")
            if sub := _model_of(info.annotation):
                visit(sub, f"{prefix}.{key}" if prefix else key)
            elif item := _item_model(info.annotation):
                visit(item, f"{prefix}.{key}[]" if prefix else f"{key}[]")

    visit(OrchestraConfig, "")
    return {key: tuple(dict.fromkeys(where))[:2] for key, where in homes.items()}
