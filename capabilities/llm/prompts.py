"""Prompts for model backends: ``prompts/<task>.j2`` rendered with Jinja2.

Every prompt file opens with a Jinja comment that documents it::

    {#
    Task: chat_intent
    Answer: ChatIntent (capabilities/llm/schemas/chat.py)
    Max tokens: 200
    Variables:
      text         what the person wrote after the slash command
      services     the project's service names
    #}

The variables are the task's request (its pydantic model dumped to JSON), plus ``schema``: the
answer's JSON schema, compact, which every prompt may show the model. ``prompts/_system.j2`` is
the system message shared by every task. Undefined names are errors, nothing is escaped, and
the ``json`` filter writes a value as JSON (``tojson`` would HTML-escape it).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta
from pydantic import BaseModel

from ..templates import prompts_root
from .errors import UnknownTask

__all__ = ["SYSTEM", "Prompt", "PromptDoc", "prompt_doc", "prompt_tasks", "render_prompt", "schema_text"]

SYSTEM = "_system"
"""The shared system message (``prompts/_system.j2``)."""
DEFAULT_MAX_TOKENS = 256
_HEADER = re.compile(r"\A\{#(.*?)#\}", re.S)
_VARIABLE = re.compile(r"^\s{2,}([a-z_][a-z0-9_]*)\s+(\S.*)$")


@dataclass(frozen=True, slots=True)
class Prompt:
    """What a model backend sends: the system and user messages, and its answer budget."""

    task: str
    system: str
    user: str
    max_tokens: int

    def messages(self) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user}]

    @property
    def text(self) -> str:
        """Both messages, as hashed for the cache and counted in tests."""
        return f"{self.system}\n\n{self.user}"

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class PromptDoc:
    """What a prompt file's header says about it."""

    task: str
    answer: str
    max_tokens: int
    variables: dict[str, str]
    """Name -> what it holds."""


def schema_text(schema: type[BaseModel]) -> str:
    """The answer's JSON schema, compact and stable (sorted keys): for prompts and cache keys."""
    return json.dumps(schema.model_json_schema(), sort_keys=True, separators=(",", ":"))


@functools.cache
def _environment(root: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,  # noqa: S701 - prompts are plain text for a model, not HTML
    )
    env.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True)
    return env


def prompt_tasks() -> list[str]:
    """The tasks that have a prompt (``prompts/<task>.j2``, not the shared ``_*.j2`` parts)."""
    return sorted(p.stem for p in prompts_root().glob("*.j2") if not p.name.startswith("_"))


def _source(task: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", task):
        raise UnknownTask(f"{task!r} is not a task name")
    path = prompts_root() / f"{task}.j2"
    if not path.is_file():
        known = ", ".join(prompt_tasks()) or "none"
        raise UnknownTask(f"no prompt for task {task!r}: {path} does not exist (prompts exist for: {known})")
    return path.read_text()


@functools.cache
def _doc(root: Path, task: str, source: str) -> PromptDoc:
    header = _HEADER.match(source)
    if header is None:
        raise UnknownTask(f"prompts/{task}.j2 does not open with its {{# ... #}} header")
    fields: dict[str, str] = {}
    variables: dict[str, str] = {}
    in_variables = False
    for line in header.group(1).splitlines():
        if in_variables and (m := _VARIABLE.match(line)):
            variables[m.group(1)] = m.group(2).strip()
            continue
        in_variables = False
        key, sep, value = line.strip().partition(":")
        if sep and key:
            fields[key.lower()] = value.strip()
            in_variables = key.lower() == "variables"
    return PromptDoc(
        task=fields.get("task", task),
        answer=fields.get("answer", ""),
        max_tokens=int(fields.get("max tokens") or DEFAULT_MAX_TOKENS),
        variables=variables,
    )


def prompt_doc(task: str) -> PromptDoc:
    """The header of ``prompts/<task>.j2``: its answer, token budget and documented variables."""
    return _doc(prompts_root(), task, _source(task))


def used_variables(task: str) -> set[str]:
    """Names the template reads (for the test that every one is documented)."""
    env = _environment(prompts_root())
    return set(meta.find_undeclared_variables(env.parse(_source(task))))


def render_prompt(
    task: str, variables: Mapping[str, Any], schema: type[BaseModel], *, max_tokens: int | None = None
) -> Prompt:
    """``prompts/<task>.j2`` and ``prompts/_system.j2`` rendered with ``variables`` and ``schema``;
    ``max_tokens`` replaces the budget the prompt's header gives."""
    doc = prompt_doc(task)
    env = _environment(prompts_root())
    values = {**variables, "schema": schema_text(schema), "task": task}
    try:
        user = env.get_template(f"{task}.j2").render(values)
        system = env.get_template(f"{SYSTEM}.j2").render(values)
    except jinja2.UndefinedError as exc:
        raise UnknownTask(f"prompts/{task}.j2 needs a variable the request does not have: {exc}") from None
    return Prompt(task, _tidy(system), _tidy(user), max(1, max_tokens or doc.max_tokens))


def _tidy(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip()
