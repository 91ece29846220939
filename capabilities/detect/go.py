"""Go services: ``go.mod`` for the module, Go version and requirements; the port and health route
from string literals in the ``main`` package's source."""

from __future__ import annotations

import logging
import re
from pathlib import Path, PurePosixPath

from ._files import best_health, list_files, major_minor, port_number, read_text
from .model import ServiceStack

log = logging.getLogger(__name__)

DEFAULT_PORT = 8080
MAX_SOURCES = 300
"""Source files read for ports and routes (the main package's first)."""
_FRAMEWORKS = (
    ("github.com/gin-gonic/gin", "gin"),
    ("github.com/labstack/echo", "echo"),
    ("github.com/gofiber/fiber", "fiber"),
    ("github.com/go-chi/chi", "chi"),
    ("github.com/gorilla/mux", "gorilla"),
)
_MODULE = re.compile(r"^module\s+(\S+)", re.M)
_GO_VERSION = re.compile(r"^go\s+(\d+\.\d+)", re.M)
_REQUIRE_BLOCK = re.compile(r"^require\s*\((.*?)^\)", re.M | re.S)
_REQUIRE_LINE = re.compile(r"^require\s+([^\s(]+)\s+(\S+)(.*)$", re.M)
_PACKAGE_MAIN = re.compile(r"^package\s+main\b", re.M)
_LISTEN = re.compile(r"\b(?:ListenAndServe(?:TLS)?|Run|Start|Listen)\(\s*\"[^\":]*:(\d{2,5})\"\)?")
_ADDR_LITERAL = re.compile(r"\"(?:0\.0\.0\.0)?:(\d{2,5})\"")
_PORT_DEFAULT = re.compile(r"(?i)\bport\w*\s*(?::=|=)\s*\"(\d{2,5})\"")
_ROUTE = re.compile(
    r"\b[\w.]*\b(?:HandleFunc|Handle|GET|Get|HEAD|Head|Any|Route)\(\s*\"(?:GET |HEAD )?(/[^\"\s]*)\""
)


def _requires(gomod: str) -> list[tuple[str, bool]]:
    """(module path, direct) for each requirement."""
    lines = [line for block in _REQUIRE_BLOCK.findall(gomod) for line in block.splitlines()]
    lines += [f"{m.group(1)} {m.group(2)}{m.group(3)}" for m in _REQUIRE_LINE.finditer(gomod)]
    found = []
    for line in lines:
        parts = line.split("//", 1)
        fields = parts[0].split()
        if len(fields) >= 2:
            found.append((fields[0], not (len(parts) > 1 and "indirect" in parts[1])))
    return found


def _main_package(d: Path, files: list[Path]) -> str | None:
    """``.`` when the root holds ``package main``, else ``./cmd/<name>`` (the first one)."""
    folders: dict[str, list[Path]] = {}
    for f in files:
        if not f.name.endswith("_test.go"):
            folders.setdefault(f.parent.as_posix(), []).append(f)
    candidates = [".", *sorted(k for k in folders if PurePosixPath(k).parts[:1] == ("cmd",))]
    for folder in candidates:
        if any(_PACKAGE_MAIN.search(read_text(d / f) or "") for f in folders.get(folder, [])):
            return "." if folder == "." else f"./{folder}"
    return None


def detect_go(service_dir: Path, name: str, rel: str) -> ServiceStack | None:
    """A Go service, or None when ``service_dir`` has no ``go.mod``."""
    gomod = read_text(service_dir / "go.mod")
    if gomod is None:
        return None
    module = _MODULE.search(gomod)
    evidence = [f"language go: go.mod (module {module.group(1) if module else 'unnamed'})"]
    requires = _requires(gomod)
    direct = [path for path, is_direct in requires if is_direct]
    framework = None
    for prefix, fw in _FRAMEWORKS:
        if hit := next((p for p in direct if p == prefix or p.startswith(prefix + "/")), None):
            framework = fw
            evidence.append(f"framework {fw}: requires {hit} in go.mod")
            break

    files = list_files(service_dir, (".go",))
    sources = [f for f in files if not f.name.endswith("_test.go")]
    entry = _main_package(service_dir, files)
    start: tuple[str, ...] = ("go", "run", entry) if entry else ()
    evidence.append(f"entry {entry}: package main" if entry else "start unknown: no package main found")

    main_folder = (entry or ".").removeprefix("./")
    sources.sort(key=lambda f: f.parent.as_posix() != main_folder)
    texts = {f.as_posix(): read_text(service_dir / f) or "" for f in sources[:MAX_SOURCES]}
    port, where = DEFAULT_PORT, f"{framework or 'go'} default"
    patterns = (_LISTEN, _PORT_DEFAULT, _ADDR_LITERAL)
    hits = ((m, f) for pattern in patterns for f, t in texts.items() if (m := pattern.search(t)))
    for m, f in hits:
        if literal := port_number(m.group(1)):
            port, where = literal, f"{m.group(0)} in {f}"
            break
    routes = [
        (m.group(1), f"{m.group(0)}, ...) in {f}") for f, t in texts.items() for m in _ROUTE.finditer(t)
    ]
    evidence.append(f"port {port}: {where}")
    health = best_health(routes)
    if health:
        evidence.append(f"health {health[0]}: {health[1]}")

    tests = [f for f in files if f.name.endswith("_test.go")]
    if tests:
        evidence.append(f"tests go: {tests[0].as_posix()}")
    version = _GO_VERSION.search(gomod)
    if version:
        evidence.append(f"runtime go {major_minor(version.group(1))}: go directive in go.mod")
    return ServiceStack(
        name=name,
        path=rel,
        language="go",
        framework=framework,
        package_manager="go",
        entry=entry,
        start=start,
        port=port,
        health_path=health[0] if health else None,
        test_framework="go" if tests else None,
        test_command=("go", "test", "./...") if tests else (),
        dependencies=tuple(dict.fromkeys(p.lower() for p in direct)),
        runtime_version=major_minor(version.group(1)) if version else None,
        evidence=tuple(evidence),
    )
