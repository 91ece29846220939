"""Where the infrastructure templates and prompts are, installed or in a checkout, and the one
Jinja2 environment that renders them (undefined names are errors, nothing is escaped)."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2

# the data folders sit next to the capabilities package, in a checkout (the repository root)
# and in an installed wheel (site-packages) alike; never looked up on sys.path, where a
# user's own `prompts/` folder could stand in for ours
_HOME = Path(__file__).resolve().parents[1]


def _folder(package: str, env_var: str) -> Path:
    """The folder of a data package: the env override, else the one shipped with us."""
    if explicit := os.environ.get(env_var):
        return Path(explicit)
    return _HOME / package


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
