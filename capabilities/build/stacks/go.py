"""Go services: a static binary built in the Go image, run on Alpine (busybox wget probes health)."""

from __future__ import annotations

from pathlib import Path

from ...config.models import Service
from ...detect import ServiceStack
from ._common import DockerfileInputs, version_or, wget_health

DEFAULT_VERSION = "1.22"
BASE_IMAGE = "alpine:3.20"
DEFAULT_PORT = 8080
_VERSION = r"1\.\d{1,2}"


def go_inputs(service_dir: Path, service: Service, stack: ServiceStack) -> DockerfileInputs:
    port = service.port or stack.port or DEFAULT_PORT
    main = stack.entry or "."
    version = version_or(stack.runtime_version, _VERSION, DEFAULT_VERSION)
    manifests = [n for n in ("go.mod", "go.sum") if (service_dir / n).is_file()]
    build_image = f"golang:{version}-bookworm"
    binary = "/usr/local/bin/app"
    return DockerfileInputs(
        service=service.name,
        template="go",
        language="go",
        framework=stack.framework,
        port=port,
        health_path=service.health,
        cmd=(binary,),
        health_cmd=wget_health(service.health, port),
        values={
            "build_image": build_image,
            "base_image": BASE_IMAGE,
            "manifests": manifests,
            "main_package": main,
        },
        # one stage in the Go image (Debian's buildpack base has wget); GOCACHE is writable by nobody
        fallback={
            "base_image": build_image,
            "setup": [f"CGO_ENABLED=0 go build -o {binary} {main}"],
            "cmd": [binary],
        },
    )
