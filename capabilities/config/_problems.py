"""Turn pydantic's validation errors into :class:`Problem` entries a person can act on.

Each error is mapped back to what was written in the file (union tags and expanded shorthands
dropped from its location) and to that place's line:column; errors at one place are merged
("expected a whole number or text"); checks across services (``depends_on``, unique names) point
at the entry that breaks them; unknown keys and misspelt choices get a "did you mean". Values
under ``secrets`` are described, never shown.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from pydantic_core import ErrorDetails

from ._marks import Loc, _lookup, _path, _Where
from ._shape import _fields, _homes, _model_at
from .errors import Problem
from .models import _NAME

_SECRET = ("secrets",)
_SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*$")

_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
}
_BOUNDS = {
    "greater_than_equal": ("ge", "at least"),
    "less_than_equal": ("le", "at most"),
    "greater_than": ("gt", "more than"),
    "less_than": ("lt", "less than"),
}


def _translate(errors: list[ErrorDetails], data: dict[str, Any], marks: dict[Loc, _Where]) -> list[Problem]:
    grouped: dict[Loc, list[ErrorDetails]] = {}
    for error in errors:
        loc = _written(error["loc"], data, error["type"] == "missing")
        if loc is None:
            continue
        if error["type"] == "value_error" and loc == ("deployment",):
            loc = _deployment_culprit(error["msg"], data) or loc
        grouped.setdefault(loc, []).append(error)
    problems: list[Problem] = []
    for loc, group in grouped.items():
        problems.extend(_problems_at(loc, group, data, marks))
    return problems


def _written(loc: tuple[int | str, ...], data: Any, missing: bool) -> Loc | None:
    """The part of pydantic's location that is in the file: union tags (``str``, ``list[str]``)
    and fields a shorthand expands to (``coverage: 80`` -> ``threshold``) are dropped.

    None for an error about a key that is not text, which the YAML index reported already."""
    out: list[str | int] = []
    node = data
    for i, seg in enumerate(loc):
        if isinstance(node, dict) and not isinstance(seg, str):
            return None
        if isinstance(node, dict) and seg in node:
            node = node[seg]
        elif isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node):
            node = node[seg]
        elif missing and i == len(loc) - 1 and isinstance(node, dict):
            pass
        else:
            continue
        out.append(seg)
    return tuple(out)


def _deployment_culprit(message: str, data: dict[str, Any]) -> Loc | None:
    """Point the checks across services (depends_on, unique names) at the line that breaks them."""
    deployment = data.get("deployment")
    services = deployment.get("services") if isinstance(deployment, dict) else None
    if not isinstance(services, list):
        return None
    names = [s.get("name") if isinstance(s, dict) else None for s in services]
    if m := re.search(r"service '([^']+)' depends on '([^']+)'", message):
        owner, dep = m.groups()
    elif m := re.search(r"service '([^']+)' depends on itself", message):
        owner = dep = m.group(1)
    elif m := re.search(r"depends_on has a cycle: ([^ ]+) -> ([^ ]+)", message):
        owner, dep = m.groups()
    elif m := re.search(r"service names must be unique: ([^,]+)", message):
        repeated = [i for i, n in enumerate(names) if n == m.group(1)]
        return ("deployment", "services", repeated[-1], "name") if len(repeated) > 1 else None
    else:
        return None
    if owner not in names:
        return None
    index = names.index(owner)
    deps = services[index].get("depends_on")
    if isinstance(deps, list) and dep in deps:
        return ("deployment", "services", index, "depends_on", deps.index(dep))
    return ("deployment", "services", index)


def _problems_at(
    loc: Loc, group: list[ErrorDetails], data: dict[str, Any], marks: dict[Loc, _Where]
) -> Iterator[Problem]:
    redact = loc[: len(_SECRET)] == _SECRET
    path = _path(loc)
    where = _lookup(loc, marks)
    line, column = where.line, where.column
    kinds = {e["type"] for e in group}
    if kinds <= _EXPECTED.keys() | {"literal_error"}:
        expected = list(dict.fromkeys(_expected(e) for e in group))
        got = _describe(group[0]["input"], redact)
        hint = next((h for e in group if (h := _literal_hint(e))), None)
        yield Problem(f"expected {' or '.join(expected)}, got {got}", path, line, column, hint)
        return
    for error in group:
        kind = error["type"]
        if kind == "extra_forbidden":
            key = where.key or where.mark
            yield Problem("unknown key", path, key.line + 1, key.column + 1, _unknown_key_hint(loc))
        elif kind == "value_error" and loc == ("secrets", "keys"):
            yield from _secret_problems(data, marks) or [Problem("names only", path, line, column)]
        else:
            yield Problem(_message(error, loc, redact), path, line, column)


def _message(error: ErrorDetails, loc: Loc, redact: bool) -> str:
    kind, ctx = error["type"], error.get("ctx", {})
    got = _describe(error["input"], redact)
    if kind == "missing":
        return f"missing required key {loc[-1]!r}"
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return f"must be {words} {ctx[key]:g}, got {got}"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == _NAME:
            rule = "lower-case letters, digits, '-' and '_', starting with a letter or digit, at most 63"
            return f"a name is {rule}, got {got}"
        return f"must match {ctx.get('pattern')}, got {got}"
    if kind in ("value_error", "assertion_error"):
        return re.sub(r"^(Value|Assertion) error, ", "", error["msg"])
    return f"{error['msg'][:1].lower()}{error['msg'][1:]}, got {got}"


def _expected(error: ErrorDetails) -> str:
    if error["type"] == "literal_error":
        choices = _choices(error)
        return choices[0] if len(choices) == 1 else f"one of {error.get('ctx', {}).get('expected')}"
    return _EXPECTED[error["type"]]


def _choices(error: ErrorDetails) -> list[str]:
    return re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", ""))) or [
        str(error.get("ctx", {}).get("expected"))
    ]


def _literal_hint(error: ErrorDetails) -> str | None:
    if error["type"] != "literal_error" or not isinstance(error["input"], str):
        return None
    close = difflib.get_close_matches(error["input"], _choices(error), n=1)
    return f"did you mean {close[0]!r}?" if close else None


def _unknown_key_hint(loc: Loc) -> str | None:
    key = loc[-1]
    if not isinstance(key, str):
        return None
    model = _model_at(loc[:-1])
    allowed = sorted(_fields(model)) if model else []
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    here = re.sub(r"\[\d+\]", "[]", _path(loc[:-1])) or "the top level"
    homes = [h for h in _homes().get(key, ()) if h != here]
    if homes:
        return f"{key!r} goes under {' or '.join(homes)}"
    return f"known keys here: {', '.join(allowed)}" if allowed else None


def _secret_problems(data: dict[str, Any], marks: dict[Loc, _Where]) -> list[Problem]:
    """One problem per entry of ``secrets.keys`` that is not a bare name, never showing the entry."""
    secrets = data.get("secrets")
    keys = secrets.get("keys") if isinstance(secrets, dict) else None
    found: list[Problem] = []
    for i, key in enumerate(keys if isinstance(keys, list) else []):
        if not isinstance(key, str) or _SECRET_NAME.match(key):
            continue
        where = _lookup(("secrets", "keys", i), marks)
        name = re.split(r"[=:]", key, maxsplit=1)[0].strip()
        if name != key and _SECRET_NAME.match(name):
            message = f"names only: {name!r} is written with a value"
        else:
            message = "not a secret name (letters, digits, '_', '.', '/', '-')"
        hint = "keep values in the secret manager or the environment, never in this file"
        found.append(Problem(message, _path(("secrets", "keys", i)), where.line, where.column, hint))
    return found


def _describe(value: Any, redact: bool) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if redact:
        return "text" if isinstance(value, str) else "a number"
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else "a long text"
    return str(value)


def _ordered(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.line or 0, p.column or 0, p.path))
