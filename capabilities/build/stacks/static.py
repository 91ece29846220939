"""Static sites (and browser apps built by npm): the files served by Python's ``http.server``
in a small image, after an npm build stage when the site has a build script."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ...config.models import Service
from ...detect import ServiceStack
from ._common import ANY_HOST, SAFE_PATH, DockerfileInputs, python_health
from .node import base_image as node_image
from .node import read_package

BASE_IMAGE = "python:3.12-alpine"
DEFAULT_PORT = 8080


def health_file(site: Path, path: str, built: bool) -> str | None:
    """The file to create so that the health path answers 200, or None when it is there already
    (or the path is ``/``, or not safe to use in a shell line)."""
    if path == "/" or not SAFE_PATH.match(path) or ".." in PurePosixPath(path).parts:
        return None
    name = path + "index.html" if path.endswith("/") else path
    if not built and (site / name.lstrip("/")).is_file():
        return None
    return name


def static_inputs(service_dir: Path, service: Service, stack: ServiceStack) -> DockerfileInputs:
    root = (stack.static_root or ".").strip("/") or "."
    package = read_package(service_dir) if (service_dir / "package.json").is_file() else None
    build_script = bool(package and "build" in package.scripts)
    port = service.port or stack.port or DEFAULT_PORT
    health = health_file(service_dir / root, service.health, build_script)
    there = not build_script and (service_dir / root / service.health.lstrip("/")).is_file()
    probe = service.health if health or there or service.health == "/" else "/"
    cmd = ("python3", "-m", "http.server", str(port), "--bind", ANY_HOST, "--directory", "/srv")
    values: dict[str, object] = {
        "base_image": BASE_IMAGE,
        "static_root": root,
        "build_script": build_script,
        "health_file": health,
    }
    if package is not None:
        values |= {
            "build_image": node_image(stack.runtime_version),
            "manifests": list(package.manifests),
            "install_all": package.install_all,
        }
    return DockerfileInputs(
        service=service.name,
        template="static",
        language="static",
        framework=stack.framework,
        port=port,
        health_path=probe,
        cmd=cmd,
        health_cmd=python_health(probe, port),
        values=values,
        fallback=None
        if build_script
        else {
            "cmd": [*cmd[:-1], "/app" if root == "." else f"/app/{root}"],
            "health_cmd": list(python_health(service.health if there else "/", port)),
        },
    )
