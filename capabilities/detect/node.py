"""Node services: ``package.json`` for dependencies and scripts, lockfiles for the package manager,
regexes over the server's source for the port and the health route."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from ._files import best_health, first_existing, list_files, major, port_number, read_text, repo_root
from .model import ServiceStack

log = logging.getLogger(__name__)

DEFAULT_PORT = 3000
VITE_DEV_PORT = 5173
_LOCKS = (("pnpm-lock.yaml", "pnpm"), ("yarn.lock", "yarn"), ("package-lock.json", "npm"))
_SERVERS = (("@nestjs/core", "nest"), ("express", "express"), ("fastify", "fastify"), ("koa", "koa"))
_UI_LIBS = ("react", "vue", "svelte", "preact", "solid-js")
_NPM_DEFAULT_TEST = "no test specified"
_SOURCES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
_ENTRY_FILES = tuple(
    f"{folder}{name}.{ext}"
    for ext in ("js", "ts", "mjs")
    for folder in ("", "src/")
    for name in ("server", "index", "app", "main")
)
_SCRIPT_FILE = re.compile(r"\b(?:node|nodemon|ts-node|tsx|bun)\b[^&|;]*?([\w./-]+\.[cm]?[jt]s)\b")
_ENV_PORT = re.compile(r"process\.env\.PORT\b[^\n;]{0,24}?(?:\|\||\?\?)\s*(['\"]?)(\d{2,5})\1")
_LISTEN_LITERAL = re.compile(r"\.listen\(\s*(?:\{[^}]*?\bport\s*:\s*)?['\"]?(\d{2,5})\b")
_LISTEN_NAME = re.compile(r"\.listen\(\s*(?:\{[^}]*?\bport\s*:\s*)?([A-Za-z_$][\w$]*)")
_CLI_PORT = re.compile(r"(?:\s-p|--port)[\s=]+(\d{2,5})")
_ROUTES = (
    re.compile(r"\b[\w$]*\.(?:get|all|head|route)\(\s*['\"`](/[^'\"`\s]*)['\"`]"),
    re.compile(r"\burl\s*===?\s*['\"`](/[^'\"`\s?]*)['\"`]"),
    re.compile(r"\burl\s*:\s*['\"`](/[^'\"`\s]*)['\"`]"),
    re.compile(r"@Get\(\s*['\"`]/?([^'\"`\s]*)['\"`]"),
)
_OUT_DIR = re.compile(r"\boutDir\s*:\s*['\"`]([^'\"`]+)['\"`]")


def _package_manager(d: Path, rel: str, pkg: dict[str, Any]) -> tuple[str, str]:
    for folder, where in ((d, ""), (repo_root(d, rel), " at the repository root")):
        for lock, manager in _LOCKS:
            if (folder / lock).is_file():
                return manager, f"{lock}{where}"
    declared = str(pkg.get("packageManager", "")).split("@", 1)[0]
    if declared in ("npm", "yarn", "pnpm"):
        return declared, "packageManager in package.json"
    return "npm", "no lockfile"


def _framework(
    runtime: dict[str, Any], dev: dict[str, Any], server_entry: bool, evidence: list[str]
) -> str | None:
    every = {**dev, **runtime}

    def where(dep: str) -> str:
        return "dependencies" if dep in runtime else "devDependencies"

    ui = next((lib for lib in _UI_LIBS if lib in every), None)
    server = next(((dep, fw) for dep, fw in _SERVERS if dep in runtime), None)
    if "next" in every:
        evidence.append(f"framework next: next in {where('next')}")
        return "next"
    if server and server_entry:
        evidence.append(f"framework {server[1]}: {server[0]} in dependencies")
        return server[1]
    if "vite" in every and ui:
        evidence.append(f"framework vite: vite in {where('vite')} with {ui} in {where(ui)}")
        return "vite"
    if "react-scripts" in every:
        evidence.append(f"framework react: react-scripts in {where('react-scripts')} (create-react-app)")
        return "react"
    if server:
        evidence.append(f"framework {server[1]}: {server[0]} in dependencies")
        return server[1]
    if ui in ("react", "vue"):
        evidence.append(f"framework {ui}: {ui} in {where(ui)}")
        return ui
    return None


def _entry(d: Path, pkg: dict[str, Any], scripts: dict[str, str]) -> tuple[str, str] | None:
    """(file the server starts from, why)."""
    start = scripts.get("start", "")
    if (m := _SCRIPT_FILE.search(start)) and (d / m.group(1)).is_file():
        return m.group(1).removeprefix("./"), f"start script {start!r}"
    main = pkg.get("main")
    if isinstance(main, str) and (d / main).is_file():
        return main.removeprefix("./"), "main in package.json"
    found = first_existing(d, _ENTRY_FILES)
    return (found, "conventional file name") if found else None


def _snippet(match: re.Match[str]) -> str:
    """The matched code, with an unfinished call closed: ``app.get('/health', ...)``."""
    text = " ".join(match.group(0).split())
    return f"{text}, ...)" if text.count("(") > text.count(")") else text


def _port_in(text: str) -> tuple[int, str] | None:
    if m := _ENV_PORT.search(text):
        return int(m.group(2)), m.group(0)
    if m := _LISTEN_LITERAL.search(text):
        return int(m.group(1)), _snippet(m)
    for m in _LISTEN_NAME.finditer(text):
        decl = re.search(rf"(?:const|let|var)\s+{re.escape(m.group(1))}\s*=\s*([^;\n]+)", text)
        if decl and (digits := re.search(r"\b(\d{2,5})\b", decl.group(1))):
            return int(digits.group(1)), f"listen({m.group(1)}) with {decl.group(0).strip()}"
    return None


def _sources(d: Path, entry: str | None) -> list[Path]:
    files = [
        f
        for f in list_files(d, _SOURCES)
        if not re.search(r"(\.test|\.spec)\.|__tests__|(^|/)tests?/", str(f))
    ]
    first = [Path(entry)] if entry else []
    return first + [f for f in files if f.as_posix() != entry][:300]


def _next_routes(files: list[Path]) -> list[tuple[str, str]]:
    routes = []
    for f in files:
        parts = f.with_suffix("").parts
        parts = parts[1:] if parts[:1] == ("src",) else parts
        if parts[:2] == ("pages", "api"):
            routes.append(
                ("/" + "/".join(parts[1:]).removesuffix("/index"), f"{f.as_posix()} (next pages route)")
            )
        elif parts[:2] == ("app", "api") and parts[-1] == "route":
            routes.append(("/" + "/".join(parts[1:-1]), f"{f.as_posix()} (next app route)"))
    return routes


def _tests(
    pkg_deps: dict[str, Any], scripts: dict[str, str], evidence: list[str]
) -> tuple[str | None, tuple[str, ...]]:
    script = scripts.get("test", "")
    real = bool(script) and _NPM_DEFAULT_TEST not in script
    framework = None
    if real:
        if "react-scripts test" in script:
            framework = "jest"
        elif "node --test" in script or "node:test" in script:
            framework = "node"
        else:
            framework = next((t for t in ("vitest", "jest", "mocha") if t in script), None)
    framework = framework or next((t for t in ("vitest", "jest", "mocha") if t in pkg_deps), None)
    if real:
        evidence.append(f"tests {framework or 'npm'}: test script {script!r}")
        return framework, ("npm", "test")
    if framework:
        evidence.append(f"tests {framework}: {framework} in devDependencies, no test script")
        command = {"vitest": ("npx", "vitest", "run"), "jest": ("npx", "jest"), "mocha": ("npx", "mocha")}
        return framework, command[framework]
    return None, ()


def _runtime(d: Path, pkg: dict[str, Any]) -> tuple[str, str] | None:
    for name in (".nvmrc", ".node-version"):
        if version := major((read_text(d / name) or "").strip()):
            return version, name
    engines = pkg.get("engines")
    if isinstance(engines, dict) and (version := major(str(engines.get("node", "")))):
        return version, "engines.node in package.json"
    return None


def _table(pkg: dict[str, Any], key: str) -> dict[str, Any]:
    value = pkg.get(key)
    return value if isinstance(value, dict) else {}


def _frontend(
    d: Path, framework: str | None, deps: dict[str, Any], scripts: dict[str, str], evidence: list[str]
) -> tuple[int | None, str | None, None]:
    """(port, static_root, health) of a browser app: built files when it has a build script."""
    if "build" not in scripts:
        port = VITE_DEV_PORT if framework == "vite" else DEFAULT_PORT
        evidence.append(f"port {port}: {framework} dev server default (no build script)")
        return port, None, None
    configs = (read_text(d / f"vite.config.{ext}") for ext in ("ts", "js", "mjs", "mts"))
    out = _OUT_DIR.search(next((c for c in configs if c is not None), ""))
    if out:
        root, why = out.group(1).removeprefix("./"), "outDir in vite.config"
    elif "react-scripts" in deps:
        root, why = "build", "create-react-app output"
    else:
        root, why = "dist", f"{framework} output"
    evidence.append(f"static_root {root}: {why}, built by {scripts['build']!r}; served as files (no port)")
    return None, root, None


def _server(
    d: Path, framework: str | None, entry: str | None, scripts: dict[str, str], evidence: list[str]
) -> tuple[int | None, str | None]:
    """(port, health path) of a server, from the start script and the sources (the entry first)."""
    sources = _sources(d, entry)
    cli = _CLI_PORT.search(scripts.get("start", ""))
    found = (int(cli.group(1)), f"start script {scripts['start']!r}") if cli else None
    routes = _next_routes(sources) if framework == "next" else []
    for f in sources:
        text = read_text(d / f) or ""
        if found is None and framework != "next" and (hit := _port_in(text)) is not None:
            found = (hit[0], f"{hit[1]} in {f.as_posix()}")
        for pattern in _ROUTES:
            routes += [(m.group(1), f"{_snippet(m)} in {f.as_posix()}") for m in pattern.finditer(text)]
    port = port_number(found[0]) if found else DEFAULT_PORT
    evidence.append(f"port {port}: {found[1]}" if found else f"port {port}: {framework or 'node'} default")
    health = best_health(("/" + p.lstrip("/"), w) for p, w in routes)
    if health:
        evidence.append(f"health {health[0]}: {health[1]}")
    return port, health[0] if health else None


def detect_node(service_dir: Path, name: str, rel: str) -> ServiceStack | None:
    """A Node service, or None when ``service_dir`` has no ``package.json``."""
    text = read_text(service_dir / "package.json")
    if text is None:
        return None
    evidence = ["language node: package.json"]
    try:
        pkg = json.loads(text)
    except json.JSONDecodeError as exc:
        evidence.append(f"package.json is not valid JSON: {exc}")
        pkg = {}
    pkg = pkg if isinstance(pkg, dict) else {}
    runtime, dev, scripts = (
        _table(pkg, "dependencies"),
        _table(pkg, "devDependencies"),
        _table(pkg, "scripts"),
    )
    scripts = {k: v for k, v in scripts.items() if isinstance(v, str)}
    manager, why = _package_manager(service_dir, rel, pkg)
    evidence.append(f"package_manager {manager}: {why}")

    found = _entry(service_dir, pkg, scripts)
    framework = _framework(runtime, dev, found is not None, evidence)
    frontend = framework in ("vite", "react", "vue")
    entry = None if frontend or found is None else found[0]
    if entry and found:
        evidence.append(f"entry {entry}: {found[1]}")
    start: tuple[str, ...] = ()
    if "start" in scripts:
        start = ("npm", "start")
    elif entry and entry.endswith((".ts", ".mts", ".cts")):
        evidence.append(f"start unknown: no start script, and {entry} needs compiling")
    elif entry:
        start = ("node", entry)
    static_root = None
    if frontend:
        port, static_root, health = _frontend(service_dir, framework, {**runtime, **dev}, scripts, evidence)
    else:
        port, health = _server(service_dir, framework, entry, scripts, evidence)

    test_framework, test_command = _tests({**runtime, **dev}, scripts, evidence)
    version = _runtime(service_dir, pkg)
    if version:
        evidence.append(f"runtime node {version[0]}: {version[1]}")
    return ServiceStack(
        name=name,
        path=rel,
        language="node",
        framework=framework,
        package_manager=manager,
        entry=entry,
        start=start,
        port=port,
        health_path=health,
        test_framework=test_framework,
        test_command=test_command,
        dependencies=tuple(dict.fromkeys(d.lower() for d in [*runtime, *dev])),
        runtime_version=version[0] if version else None,
        static_root=static_root,
        evidence=tuple(evidence),
    )
