"""Compose a config's YAML keeping every value's place: marks indexed by path, keys checked.

:func:`_compose` returns the data, where each path starts (``deployment.services[0].port`` ->
line:column) and the problems PyYAML would let pass: a key written twice in one mapping (PyYAML
keeps the last one silently) and a key that is not text. Merge keys (``<<: *defaults``) are
followed, and a file that expands past :data:`_MAX_NODES` values is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from .errors import ConfigError, Problem

Loc = tuple[str | int, ...]

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAX_NODES = 50_000
"""Aliases can make a small file expand enormously ("billion laughs"); a config never needs this many."""


@dataclass(frozen=True, slots=True)
class _Where:
    mark: yaml.Mark
    """The value for scalars and list items; the key for mappings and lists under a key."""
    key: yaml.Mark | None = None

    @property
    def line(self) -> int:
        return self.mark.line + 1

    @property
    def column(self) -> int:
        return self.mark.column + 1


class _TooLarge(Exception):
    pass


def _compose(text: str, filename: str) -> tuple[Any, dict[Loc, _Where], list[Problem]]:
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        raise ConfigError([_reader_problem(exc, text)], filename) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {(): _Where(yaml.Mark(filename, 0, 0, 0, "", 0))}, []
        marks, problems = _index(node)
        return loader.construct_document(node), marks, problems
    except yaml.reader.ReaderError as exc:
        raise ConfigError([_reader_problem(exc, text)], filename) from None
    except yaml.MarkedYAMLError as exc:
        raise ConfigError([_yaml_problem(exc)], filename) from None
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(f"not valid YAML: {exc}")], filename) from None
    except (_TooLarge, RecursionError):
        raise ConfigError(
            [Problem(f"too large or too deeply nested (more than {_MAX_NODES} values once aliases expand)")],
            filename,
        ) from None
    finally:
        loader.dispose()


def _yaml_problem(exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    hint = None
    if exc.context:
        hint = exc.context
        if exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            hint += f" started at line {exc.context_mark.line + 1}"
    return Problem(
        f"invalid YAML: {exc.problem or exc.context or 'cannot parse'}",
        line=mark.line + 1 if mark else None,
        column=mark.column + 1 if mark else None,
        hint=hint,
    )


def _reader_problem(exc: yaml.reader.ReaderError, text: str) -> Problem:
    before = text[: exc.position]
    line = before.count("\n") + 1
    column = exc.position - (before.rfind("\n") + 1) + 1
    char = exc.character if isinstance(exc.character, int) else ord(exc.character)
    return Problem(
        f"invalid YAML: character #x{char:04x} is not allowed ({exc.reason})", line=line, column=column
    )


def _index(root: yaml.Node) -> tuple[dict[Loc, _Where], list[Problem]]:
    """Where each path starts, and the keys written twice or not as text."""
    marks: dict[Loc, _Where] = {(): _Where(root.start_mark)}
    problems: list[Problem] = []
    budget = [_MAX_NODES]

    def at(node: yaml.Node, key: yaml.Node | None) -> _Where:
        if key is not None and not isinstance(node, yaml.ScalarNode):
            return _Where(key.start_mark, key.start_mark)
        return _Where(node.start_mark, key.start_mark if key is not None else None)

    def walk(node: yaml.Node, loc: Loc, open_: frozenset[int]) -> None:
        budget[0] -= 1
        if budget[0] < 0:
            raise _TooLarge
        if id(node) in open_:  # an alias to one of its own ancestors
            return
        inside = open_ | {id(node)}
        if isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                marks[(*loc, i)] = at(item, None)
                walk(item, (*loc, i), inside)
        elif isinstance(node, yaml.MappingNode):
            first: dict[str, yaml.Mark] = {}
            merged: list[yaml.Node] = []
            for key, value in node.value:
                if key.tag == _MERGE_TAG:
                    merged.extend(value.value if isinstance(value, yaml.SequenceNode) else [value])
                    continue
                if not isinstance(key, yaml.ScalarNode) or key.tag != _STR_TAG:
                    shown = key.value if isinstance(key, yaml.ScalarNode) else "..."
                    problems.append(
                        Problem(
                            f"a key must be text, got {shown!r}",
                            _path(loc),
                            key.start_mark.line + 1,
                            key.start_mark.column + 1,
                            f"write it in quotes: '{shown}'",
                        )
                    )
                    continue
                name = key.value
                if name in first:
                    problems.append(
                        Problem(
                            f"duplicate key {name!r} (first at line {first[name].line + 1})",
                            _path((*loc, name)),
                            key.start_mark.line + 1,
                            key.start_mark.column + 1,
                            "YAML keeps only one of them; remove or merge the other",
                        )
                    )
                else:
                    first[name] = key.start_mark
                marks[(*loc, name)] = at(value, key)
                walk(value, (*loc, name), inside)
            for source in merged:  # `<<: *defaults`: keys written here win, then the first source
                if not isinstance(source, yaml.MappingNode):
                    continue
                for key, value in source.value:
                    if (
                        isinstance(key, yaml.ScalarNode)
                        and key.tag == _STR_TAG
                        and (*loc, key.value) not in marks
                    ):
                        marks[(*loc, key.value)] = at(value, key)
                        walk(value, (*loc, key.value), inside)

    walk(root, (), frozenset())
    return marks, problems


def _lookup(loc: Loc, marks: dict[Loc, _Where]) -> _Where:
    """The mark of ``loc``, or of its nearest ancestor written in the file."""
    for n in range(len(loc), -1, -1):
        if loc[:n] in marks:
            return marks[loc[:n]]
    return marks[()]


def _path(loc: Loc) -> str:
    """``("deployment", "services", 0, "port")`` -> ``deployment.services[0].port``."""
    out = ""
    for seg in loc:
        out += f"[{seg}]" if isinstance(seg, int) else (f".{seg}" if out else seg)
    return out
