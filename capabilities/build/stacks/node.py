"""Node servers: dependencies installed from the lockfile in a slim Node image, a build stage when
the package has a build script, and ``node <entry>`` rather than ``npm start`` (signals reach it)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...config.models import Service
from ...detect import ServiceStack
from ._common import DockerfileInputs, container_argv, node_health, require_start, start_argv, version_or

DEFAULT_VERSION = "20"
DEFAULT_PORT = 3000
_FLAGS = "--no-audit --no-fund"


@dataclass(frozen=True)
class NodePackage:
    manifests: tuple[str, ...]
    """package.json and the lockfile there is: what the dependency layer copies."""
    install_all: str
    install_production: str
    scripts: dict[str, str]
    dependencies: bool
    """Whether package.json declares any (dev) dependencies: without, nothing is installed."""


_VERSION = r"\d{2}"


def base_image(version: str | None) -> str:
    found = version_or(version, _VERSION, DEFAULT_VERSION)
    return f"node:{found if int(found) >= 18 else DEFAULT_VERSION}-bookworm-slim"


def read_package(service_dir: Path) -> NodePackage:
    try:
        pkg: Any = json.loads((service_dir / "package.json").read_text())
    except (OSError, ValueError):
        pkg = {}
    raw = pkg.get("scripts") if isinstance(pkg, dict) else None
    scripts = {k: v for k, v in raw.items() if isinstance(v, str)} if isinstance(raw, dict) else {}
    deps = isinstance(pkg, dict) and any(pkg.get(k) for k in ("dependencies", "devDependencies"))
    if (service_dir / "pnpm-lock.yaml").is_file():
        lock, tool = "pnpm-lock.yaml", "corepack enable && pnpm install --frozen-lockfile"
        return NodePackage(("package.json", lock), tool, f"{tool} --prod", scripts, deps)
    if (service_dir / "yarn.lock").is_file():
        tool = "corepack enable && yarn install --frozen-lockfile"
        return NodePackage(
            ("package.json", "yarn.lock"),
            f"{tool} && yarn cache clean",
            f"{tool} --production && yarn cache clean",
            scripts,
            deps,
        )
    locks = tuple(n for n in ("package-lock.json", "npm-shrinkwrap.json") if (service_dir / n).is_file())
    npm = "npm ci" if locks else "npm install"
    return NodePackage(
        ("package.json", *locks),
        f"{npm} {_FLAGS}",
        f"{npm} --omit=dev {_FLAGS} && npm cache clean --force",
        scripts,
        deps,
    )


def node_inputs(service_dir: Path, service: Service, stack: ServiceStack) -> DockerfileInputs:
    package = read_package(service_dir)
    port = service.port or stack.port or DEFAULT_PORT
    argv = require_start(service.name, start_argv(service, stack.start))
    if argv == ("npm", "start") and stack.entry and not stack.entry.endswith((".ts", ".mts", ".cts")):
        argv = ("node", stack.entry)  # npm would not pass SIGTERM on to the server
    cmd = container_argv(argv, port)
    build_script = "build" in package.scripts
    return DockerfileInputs(
        service=service.name,
        template="node",
        language="node",
        framework=stack.framework,
        port=port,
        health_path=service.health,
        cmd=cmd,
        health_cmd=node_health(service.health, port),
        values={
            "base_image": base_image(stack.runtime_version),
            "manifests": list(package.manifests),
            "install_all": package.install_all,
            "install_production": package.install_production if package.dependencies else None,
            "build_script": build_script,
        },
        fallback=None
        if build_script
        else {"setup": [package.install_production] if package.dependencies else [], "user": "1000:1000"},
    )
