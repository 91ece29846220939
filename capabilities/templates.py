"""Where the infrastructure templates and prompts are, installed or in a checkout, and the one
Jinja2 environment that renders them (undefined names are errors, nothing is escaped)."""

from __future__ import annotations

import os
import importlib.util
from pathlib import Path

import jinja2

_CHECKOUT = Path(__file__).resolve().parents[1]


def _folder(package: str, env_var: str) -> Path:
    """The folder of a data package: the env override, the installed one, else the checkout's."""
    if explicit := os.environ.get(env_var):
        return Path(explicit)
    spec = importlib.util.find_spec(package)
    for location in (spec.submodule_search_locations or []) if spec else []:
        if Path(location).is_dir():
            return Path(location)
    return _CHECKOUT / package


def templates_root() -> Path:
    """``ORCHESTRA_INFRA_TEMPLATES``, else the installed (or checked-out) ``infra_templates/``."""
    return _folder("infra_templates", "ORCHESTRA_INFRA_TEMPLATES")


def prompts_root() -> Path:
    """``ORCHESTRA_PROMPTS``, else the installed (or checked-out) ``prompts/``."""
    return _folder("prompts", "ORCHESTRA_PROMPTS")


def template_environment(kind: str) -> jinja2.Environment:
    """Jinja2 over ``infra_templates/<kind>/``."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_root() / kind)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml")),
    )
