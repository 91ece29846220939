"""Sample argument values from type hints, as Python source: ``float`` -> ``2.5``.

Only types whose sample is obviously valid are supported; anything else gives None, and the
target is skipped rather than called with a guess.
"""

from __future__ import annotations

import ast

SCALARS: dict[str, str] = {
    "int": "3",
    "float": "2.5",
    "str": "'sample'",
    "bool": "True",
    "bytes": "b'sample'",
    "None": "None",
    "complex": "1j",
}
EMPTY: dict[str, str] = {
    "list": "[]",
    "dict": "{}",
    "tuple": "()",
    "set": "set()",
    "frozenset": "frozenset()",
}
CONCRETE = {"List": "list", "Dict": "dict", "Tuple": "tuple", "Set": "set", "FrozenSet": "frozenset"}
"""typing's aliases of built-in classes: a value of the alias is an instance of the class."""
ALIASES = {
    **CONCRETE,
    **{"Sequence": "list", "Mapping": "dict", "Iterable": "list", "MutableMapping": "dict"},
    **{"MutableSequence": "list", "Collection": "list", "AbstractSet": "set"},
}
"""Abstract hints too: a list is a fine *argument* for a Sequence (never an assertion on a result)."""


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # typing.Optional, t.List, collections.abc.Sequence
        return node.attr
    if isinstance(node, ast.Constant) and node.value is None:
        return "None"
    return None


def sample(annotation: str | None) -> str | None:
    """A literal of the hinted type, or None when the hint is missing or not supported."""
    if not annotation:
        return None
    try:
        node = ast.parse(annotation, mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a string annotation
        return sample(node.value)
    return _sample(node, depth=0)


def _sample(node: ast.expr, depth: int) -> str | None:
    if depth > 4:
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # X | None, int | str
        left, right = _sample(node.left, depth + 1), _sample(node.right, depth + 1)
        return left if left not in (None, "None") else right
    name = _name(node)
    if name is not None:
        name = ALIASES.get(name, name)
        return SCALARS.get(name) or EMPTY.get(name)
    if not isinstance(node, ast.Subscript):
        return None
    head = _name(node.value)
    head = ALIASES.get(head or "", head)
    args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
    if head == "Optional":
        return _sample(args[0], depth + 1)
    if head == "Union":
        values = [_sample(a, depth + 1) for a in args]
        return next((v for v in values if v not in (None, "None")), None)
    if head in ("list", "set", "frozenset"):
        item = _sample(args[0], depth + 1)
        if item is None:
            return None
        return {"list": f"[{item}]", "set": f"{{{item}}}", "frozenset": f"frozenset({{{item}}})"}[head]
    if head == "tuple":
        if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is Ellipsis:
            item = _sample(args[0], depth + 1)
            return None if item is None else f"({item},)"
        items = [_sample(a, depth + 1) for a in args]
        if any(i is None for i in items):
            return None
        return "(" + ", ".join(i for i in items if i is not None) + ("," if len(items) == 1 else "") + ")"
    if head == "dict" and len(args) == 2:
        key, value = _sample(args[0], depth + 1), _sample(args[1], depth + 1)
        if key is None or value is None or key.startswith(("[", "{", "set(")):
            return None
        return f"{{{key}: {value}}}"
    return None


def base_type(annotation: str | None) -> str | None:
    """The runtime class a hinted value is an instance of (``dict[str, int]`` -> ``dict``), or None.

    ``float`` accepts ints as the typing rules do; unions and anything unknown give None.
    """
    if not annotation:
        return None
    try:
        node = ast.parse(annotation, mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, ast.Subscript):
        node = node.value
    name = _name(node)
    name = CONCRETE.get(name or "", name)
    if name == "float":
        return "(int, float)"
    if name == "None":
        return "None"
    if name in SCALARS or name in EMPTY:
        return name
    return None


def literal(value: object) -> str:
    """A condition's constant as source."""
    return repr(value)
