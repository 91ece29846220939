"""The packages a JavaScript/TypeScript file requires or imports, read with regexes over the
source with its comments blanked out (strings and template literals are kept as they are)."""

from __future__ import annotations

import re
from collections.abc import Iterator

_SPEC = r"""\s*(?P<q>['"])(?P<spec>[^'"\n]+)(?P=q)"""
_PATTERNS = (
    re.compile(r"\b(?P<kw>import|export)\s+(?P<type>type\s+)?[\w$*{},\s]*?\bfrom" + _SPEC),
    re.compile(r"\bimport" + _SPEC),
    re.compile(r"(?<![.\w$])(?:import|require(?:\.resolve)?)\s*\(" + _SPEC + r"\s*[,)]"),
)
"""``import x from 'p'`` / ``export * from 'p'``; ``import 'p'``; ``import('p')`` /
``require('p')`` / ``require.resolve('p')``."""

NODE_BUILTINS = frozenset(
    """assert async_hooks buffer child_process cluster console constants crypto dgram
    diagnostics_channel dns domain events fs http http2 https inspector module net os path
    perf_hooks process punycode querystring readline repl stream string_decoder sys timers tls
    trace_events tty url util v8 vm wasi worker_threads zlib test""".split()
)
"""``require('module').builtinModules`` of Node 20, top-level names; ``node:`` names always are."""


def strip_comments(source: str) -> str:
    """``//`` and ``/* */`` comments replaced by spaces (newlines kept, so lines still count)."""
    out: list[str] = []
    i, n = 0, len(source)
    quote = ""
    while i < n:
        c = source[i]
        if quote:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(source[i + 1])
                i += 2
                continue
            if c == quote or (c == "\n" and quote != "`"):
                quote = ""
            i += 1
        elif c in "'\"`":
            quote = c
            out.append(c)
            i += 1
        elif source.startswith("//", i):
            end = source.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append("".join(ch if ch == "\n" else " " for ch in source[i:end]))
            i = end
        else:
            out.append(c)
            i += 1
    return "".join(out)


def package_of(specifier: str) -> str | None:
    """``lodash/fp`` -> ``lodash``; ``@scope/name/x`` -> ``@scope/name``; relative, absolute,
    URL and ``node:`` specifiers -> None."""
    if specifier.startswith((".", "/", "#")) or ":" in specifier or not specifier.strip():
        return None
    parts = specifier.split("/")
    if specifier.startswith("@"):
        return "/".join(parts[:2]) if len(parts) >= 2 and parts[1] else None
    return parts[0]


def required_packages(source: str) -> Iterator[tuple[str, int, int]]:
    """(package, line, column) for each bare specifier the source requires or imports."""
    text = strip_comments(source)
    starts = [0]
    starts += [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    found: dict[int, tuple[str, int, int]] = {}
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if m.groupdict().get("type") or m.start("spec") in found:
                continue  # a type-only import is gone at run time
            package = package_of(m.group("spec"))
            if package is not None:
                line = _line_of(starts, m.start())
                found[m.start("spec")] = (package, line, m.start() - starts[line - 1] + 1)
    yield from (found[k] for k in sorted(found))


def _line_of(starts: list[int], offset: int) -> int:
    lo, hi = 0, len(starts)
    while lo + 1 < hi:
        mid = (lo + hi) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid
    return lo + 1
