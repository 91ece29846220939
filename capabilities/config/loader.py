"""Read ``devops_orchestra.yaml`` into an :class:`OrchestraConfig`, or say exactly what is wrong.

Every problem names its place twice, as a path (``deployment.services[0].port``) and as the
line:column an editor shows, so the file is composed first (YAML nodes keep their marks), the
marks are indexed by path, and pydantic's error locations are mapped back onto that index.

Beyond what PyYAML and pydantic check on their own:

* a key written twice in one mapping is an error (PyYAML would keep the last one silently);
* a key with nothing after it (``build:`` whose lines are all commented out) keeps its
  default, unless the field itself accepts ``null``;
* nothing under ``secrets`` is ever echoed back, so a value pasted there by mistake does not
  end up in a terminal, a log or a CI transcript.

The YAML side (marks by path, duplicate keys) is in ``_marks``, the translation of pydantic's
errors into problems in ``_problems``, and what the models' annotations say in ``_shape``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ._marks import _compose
from ._problems import _describe, _ordered, _translate
from ._shape import _accepts_none, _fields, _item_model, _model_of
from .errors import ConfigError, Problem
from .models import OrchestraConfig

logger = logging.getLogger(__name__)

CONFIG_FILENAMES: tuple[str, ...] = ("devops_orchestra.yaml", "devops_orchestra.yml")
"""Looked for at a repository's root, in this order."""


def load_config(path: Path) -> OrchestraConfig:
    """Read and validate one config file; :class:`ConfigError` lists every problem found."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            [Problem(f"not UTF-8 text ({exc.reason} at byte {exc.start})")], str(path)
        ) from None
    except OSError as exc:
        raise ConfigError([Problem(f"cannot read: {exc.strerror or exc}")], str(path)) from None
    return parse_config(text, str(path))


def parse_config(text: str, filename: str = "devops_orchestra.yaml") -> OrchestraConfig:
    """Validate the text of a config; an empty file (or only comments) is all defaults."""
    data, marks, problems = _compose(text, filename)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        where = marks[()]
        raise ConfigError(
            [
                *problems,
                Problem(
                    f"the top level must be a mapping of sections (project:, deployment:, ...), "
                    f"got {_describe(data, redact=True)}",
                    line=where.line,
                    column=where.column,
                ),
            ],
            filename,
        )
    _drop_nulls(data, OrchestraConfig)
    try:
        config = OrchestraConfig.model_validate(data)
    except ValidationError as exc:
        # `from None`: the ValidationError carries input values, secrets among them
        problems.extend(_translate(exc.errors(include_url=False), data, marks))
        problems = problems or [Problem("not a valid config")]
        raise ConfigError(_ordered(problems), filename) from None
    if problems:
        raise ConfigError(_ordered(problems), filename)
    logger.debug("%s: %d service(s)", filename, len(config.deployment.services))
    return config


def _drop_nulls(data: dict[str, Any], model: type[BaseModel]) -> None:
    """A key left empty keeps its default (``build:`` with every line under it commented out)."""
    fields = _fields(model)
    for key in list(data):
        info = fields.get(key) if isinstance(key, str) else None
        if info is None:
            continue
        value = data[key]
        if value is None and not _accepts_none(info.annotation):
            del data[key]
        elif isinstance(value, dict) and (sub := _model_of(info.annotation)):
            _drop_nulls(value, sub)
        elif isinstance(value, list) and (item := _item_model(info.annotation)):
            for entry in value:
                if isinstance(entry, dict):
                    _drop_nulls(entry, item)
