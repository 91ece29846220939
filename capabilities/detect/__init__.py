"""Stack detection: what a repository holds, one :class:`ServiceStack` per deployable service.

Files are read and parsed, never run or imported: ``ast`` for Python, ``json`` for
``package.json``, ``tomllib`` for ``pyproject.toml`` and ``Pipfile``, regexes for the rest.
Every guess is explained in :attr:`ServiceStack.evidence`.

How a repository becomes services:

1. ``frontend/``, ``backend/``, ``services/<name>/`` and ``apps/<name>/`` folders holding
   something detectable are one service each, named after the folder; the root joins them only
   when it is itself a web service (a framework was found, and it is not a workspace manifest).
2. Without such folders, the root is one service named after the repository's folder.
3. When the root holds nothing recognisable, its direct subfolders with a manifest are services
   (``client/`` + ``server/`` layouts).
4. Otherwise one service of language ``unknown``, so callers always get at least one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ._files import read_text, service_name, skipped
from .go import detect_go
from .java import detect_java
from .model import RepoStack, ServiceStack
from .node import detect_node
from .python import detect_python
from .static import detect_static

__all__ = ["RepoStack", "ServiceStack", "detect", "detect_service"]

log = logging.getLogger(__name__)

Detector = Callable[[Path, str, str], ServiceStack | None]
DETECTORS: tuple[Detector, ...] = (detect_python, detect_node, detect_go, detect_java)
"""Tried in this order; on a tie the first wins. Static sites are the fallback."""
SERVICE_FOLDERS = ("backend", "frontend")
SERVICE_PARENTS = ("services", "apps")
_NOT_SERVICES = frozenset({"docs", "examples", "tests", "test", "scripts"})
_MANIFESTS = (
    "requirements.txt, pyproject.toml, Pipfile, setup.py, package.json, go.mod, pom.xml, build.gradle"
)


def _score(service: ServiceStack) -> int:
    return 2 * (service.framework is not None) + bool(service.start) + bool(service.entry)


def detect_service(service_dir: Path, name: str, rel: str) -> ServiceStack | None:
    """The service in ``service_dir`` (``rel`` to the repository root), or None when nothing is recognised.

    When several languages have a manifest there (a Django app with a ``package.json`` for its
    assets), the one that looks most like a runnable service wins, and the evidence says so.
    """
    found = [s for detector in DETECTORS if (s := detector(service_dir, name, rel)) is not None]
    if not found:
        return detect_static(service_dir, name, rel)
    best = max(found, key=_score)
    if not _score(best) and (site := detect_static(service_dir, name, rel)) is not None:
        note = f"{best.language} manifest only holds tooling (no framework, entry or start)"
        return replace(site, evidence=(*site.evidence, note))
    others = [s.language for s in found if s is not best]
    if others:
        note = f"also found {', '.join(others)} manifests; {best.language} looks most like the service"
        best = replace(best, evidence=(*best.evidence, note))
    return best


def _children(root: Path, parent: str) -> list[Path]:
    try:
        return sorted(p for p in (root / parent).iterdir() if p.is_dir() and not skipped(p.name))
    except OSError:
        return []


def _is_workspace(root: Path) -> bool:
    return '"workspaces"' in (read_text(root / "package.json") or "")


def _unique(services: list[ServiceStack]) -> tuple[ServiceStack, ...]:
    seen: set[str] = set()
    unique = []
    for s in services:
        name = s.name
        if name in seen:
            name = service_name(s.path.replace("/", "-"))
        n = 2
        while name in seen:
            name, n = f"{s.name}-{n}", n + 1
        seen.add(name)
        unique.append(s if name == s.name else replace(s, name=name))
    return tuple(unique)


def detect(root: Path) -> RepoStack:
    """Every deployable service in the repository at ``root``; always at least one."""
    root_name = service_name(root.resolve().name)
    folders = [(f, f) for f in SERVICE_FOLDERS if (root / f).is_dir()]
    folders += [
        (child.name, f"{parent}/{child.name}")
        for parent in SERVICE_PARENTS
        for child in _children(root, parent)
    ]
    services = [s for name, rel in folders if (s := detect_service(root / rel, service_name(name), rel))]
    at_root = detect_service(root, root_name, ".")
    if services:
        if at_root and at_root.framework and not (at_root.language == "node" and _is_workspace(root)):
            services.insert(0, at_root)
    elif at_root:
        services = [at_root]
    else:
        subfolders = [p for p in _children(root, ".") if p.name not in _NOT_SERVICES]
        found = (detect_service(p, service_name(p.name), p.name) for p in subfolders)
        services = [s for s in found if s is not None and s.language != "static"]
    if not services:
        where = "at the root, in frontend/, backend/, services/* or apps/*"
        why = f"language unknown: no {_MANIFESTS} or index.html {where}"
        services = [ServiceStack(name=root_name, path=".", language="unknown", evidence=(why,))]
    stack = RepoStack(root=root, services=_unique(services))
    log.debug(
        "detect: %s -> %s", root, ", ".join(f"{s.name}={s.language}/{s.framework}" for s in stack.services)
    )
    return stack
