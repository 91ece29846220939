"""JVM services: the jar built by Maven or Gradle in their image, run on a JRE (Alpine: wget)."""

from __future__ import annotations

from pathlib import Path

from ...config.models import Service
from ...detect import ServiceStack
from ._common import DockerfileInputs, version_or, wget_health

DEFAULT_VERSION = "21"
SUPPORTED = frozenset({"8", "11", "17", "21"})
"""Java releases with Maven, Gradle and JRE Alpine images."""
DEFAULT_PORT = 8080


def java_inputs(service_dir: Path, service: Service, stack: ServiceStack) -> DockerfileInputs:
    port = service.port or stack.port or DEFAULT_PORT
    version = version_or(stack.runtime_version, r"\d{1,2}", DEFAULT_VERSION)
    version = version if version in SUPPORTED else DEFAULT_VERSION
    tool = "gradle" if stack.package_manager == "gradle" else "maven"
    if tool == "maven":
        build_image, build_cmd = f"maven:3.9-eclipse-temurin-{version}", "mvn -q -B"
    else:
        build_image, build_cmd = f"gradle:8.10-jdk{version}", "gradle --no-daemon -q build"
    return DockerfileInputs(
        service=service.name,
        template="java",
        language="java",
        framework=stack.framework,
        port=port,
        health_path=service.health,
        cmd=("java", "-jar", "/app/app.jar"),
        health_cmd=wget_health(service.health, port),
        values={
            "tool": tool,
            "build_image": build_image,
            "base_image": f"eclipse-temurin:{version}-jre-alpine",
            "build_cmd": build_cmd,
            "manifests": ["pom.xml"] if tool == "maven" else [],
        },
        fallback=None,
    )
