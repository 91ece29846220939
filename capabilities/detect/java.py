"""Java (and Kotlin) services: Maven's ``pom.xml`` or Gradle's build script, read with regexes;
the port from ``application.properties`` / ``application.yml``."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from ._files import list_files, major, port_number, read_text
from .model import ServiceStack

log = logging.getLogger(__name__)

DEFAULT_PORT = 8080
MAX_SOURCES = 500
"""Source files read for the application class and health mappings (shallowest first)."""
_FRAMEWORKS = (
    ("spring", re.compile(r"spring-boot|org\.springframework\.boot")),
    ("quarkus", re.compile(r"io\.quarkus")),
    ("micronaut", re.compile(r"io\.micronaut")),
)
_POM_DEPENDENCY = re.compile(r"<dependency>(.*?)</dependency>", re.S)
_ARTIFACT = re.compile(r"<artifactId>\s*([^<\s]+)\s*</artifactId>")
_POM_JAVA = re.compile(
    r"<(java\.version|maven\.compiler\.release|maven\.compiler\.source|release)>\s*([\d.]+)\s*</"
)
_GRADLE_DEPENDENCY = re.compile(
    r"\b(?:implementation|api|compileOnly|runtimeOnly|developmentOnly|testImplementation|testRuntimeOnly)"
    r"\s*\(?\s*['\"]([^:'\"\s]+):([^:'\"\s]+)"
)
_GRADLE_JAVA = re.compile(
    r"sourceCompatibility\s*=?\s*(?:JavaVersion\.VERSION_)?['\"]?([\d._]+)"
    r"|JavaLanguageVersion\.of\(\s*(\d+)\s*\)|jvmToolchain\(\s*(\d+)\s*\)"
)
_GRADLE_APPLICATION = re.compile(
    r"^\s*(?:id\s*\(?\s*['\"]application['\"]|apply\s+plugin:\s*['\"]application)", re.M
)
_PROPERTIES_PORT = re.compile(
    r"^\s*(?:server\.port|quarkus\.http\.port|micronaut\.server\.port)\s*[=:]\s*(?:\$\{[\w.]+:)?(\d{2,5})",
    re.M,
)
_YAML_PORT = re.compile(
    r"^server:[ \t]*\n(?:[ \t]+.*\n|[ \t]*\n)*?[ \t]+port:[ \t]*['\"]?(?:\$\{[\w.]+:)?(\d{2,5})",
    re.M,
)
_APPLICATION_CLASS = re.compile(
    r"@SpringBootApplication|@QuarkusMain|public\s+static\s+void\s+main\s*\(|^fun main\(", re.M
)
_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)\s*;?", re.M)
_MAPPING = re.compile(r"@(?:Get|Request)Mapping\(\s*(?:value\s*=\s*|path\s*=\s*)?\{?\s*\"(/?[^\"]*)\"")


def _build(d: Path) -> tuple[str, str, str] | None:
    """(package manager, build file, its text)."""
    for manager, file in (("maven", "pom.xml"), ("gradle", "build.gradle.kts"), ("gradle", "build.gradle")):
        text = read_text(d / file)
        if text is not None:
            return manager, file, text
    return None


def _dependencies(manager: str, text: str) -> list[str]:
    if manager == "maven":
        blocks = _POM_DEPENDENCY.findall(text)
        return [m.group(1) for block in blocks if (m := _ARTIFACT.search(block))]
    return [artifact for _, artifact in _GRADLE_DEPENDENCY.findall(text)]


def _java_version(manager: str, text: str) -> str | None:
    if manager == "maven":
        found = {name: value for name, value in _POM_JAVA.findall(text)}
        value = next(
            (found[k] for k in ("java.version", "maven.compiler.release", "release") if k in found), None
        )
        return major(value or found.get("maven.compiler.source"))
    m = _GRADLE_JAVA.search(text)
    return major(next((g for g in m.groups() if g), "").replace("_", ".")) if m else None


def _port(d: Path) -> tuple[int, str] | None:
    resources = d / "src" / "main" / "resources"
    for name, pattern in (
        ("application.properties", _PROPERTIES_PORT),
        ("application.yml", _YAML_PORT),
        ("application.yaml", _YAML_PORT),
    ):
        if (m := pattern.search(read_text(resources / name) or "")) and (port := port_number(m.group(1))):
            return port, f"{' '.join(m.group(0).split())} in src/main/resources/{name}"
    return None


def _main_class(d: Path, sources: list[Path]) -> tuple[str, str] | None:
    """(fully qualified class, file) of the application class, ``@SpringBootApplication`` first."""
    found: list[tuple[bool, str, str]] = []
    for f in sources[:MAX_SOURCES]:
        text = read_text(d / f) or ""
        if m := _APPLICATION_CLASS.search(text):
            package = _PACKAGE.search(text)
            fqcn = f"{package.group(1)}.{f.stem}" if package else f.stem
            found.append((not m.group(0).startswith("@"), fqcn, f.as_posix()))
    return min(found)[1:] if found else None


def detect_java(service_dir: Path, name: str, rel: str) -> ServiceStack | None:
    """A JVM service, or None when ``service_dir`` has no ``pom.xml`` / ``build.gradle(.kts)``."""
    build = _build(service_dir)
    if build is None:
        return None
    manager, build_file, text = build
    evidence = [f"language java: {build_file}", f"package_manager {manager}: {build_file}"]
    wrapper = "mvnw" if manager == "maven" else "gradlew"
    if (service_dir / wrapper).is_file():
        evidence.append(f"wrapper ./{wrapper} present")
    framework = next((fw for fw, pattern in _FRAMEWORKS if pattern.search(text)), None)
    if framework:
        evidence.append(f"framework {framework}: {build_file}")
    dependencies = _dependencies(manager, text)

    sources = [
        f
        for f in list_files(service_dir / "src" / "main", (".java", ".kt"))
        if f.parts[:1] in (("java",), ("kotlin",))
    ]
    sources = [Path("src", "main", f) for f in sources]
    main = _main_class(service_dir, sources)
    if main:
        evidence.append(f"entry {main[0]}: {main[1]}")
    if framework == "spring":
        start: tuple[str, ...] = ("mvn", "spring-boot:run") if manager == "maven" else ("gradle", "bootRun")
    elif framework == "quarkus":
        start = ("mvn", "quarkus:dev") if manager == "maven" else ("gradle", "quarkusDev")
    elif manager == "gradle" and _GRADLE_APPLICATION.search(text):
        start = ("gradle", "run")
    else:
        start = ()
        evidence.append("start unknown: no Spring Boot, Quarkus or Gradle application plugin")

    found = _port(service_dir)
    port = found[0] if found else DEFAULT_PORT
    evidence.append(f"port {port}: {found[1]}" if found else f"port {port}: {framework or 'java'} default")

    health = None
    if "spring-boot-starter-actuator" in dependencies:
        health = "/actuator/health"
        evidence.append(f"health {health}: spring-boot-starter-actuator in {build_file}")
    elif framework == "quarkus" and "quarkus-smallrye-health" in dependencies:
        health = "/q/health"
        evidence.append(f"health {health}: quarkus-smallrye-health in {build_file}")
    else:
        for f in sources[:MAX_SOURCES]:
            paths = ["/" + p.lstrip("/") for p in _MAPPING.findall(read_text(service_dir / f) or "")]
            if path := next((p for p in paths if re.search(r"health|live|ready|ping", p)), None):
                health = path
                evidence.append(f"health {health}: mapping in {f.as_posix()}")
                break

    has_tests = (service_dir / "src" / "test").is_dir() or any(
        "junit" in d or d.endswith("-test") for d in dependencies
    )
    test_command = (("mvn", "-q", "test") if manager == "maven" else ("gradle", "test")) if has_tests else ()
    if has_tests:
        evidence.append(
            f"tests {manager}: {'src/test' if (service_dir / 'src' / 'test').is_dir() else build_file}"
        )
    version = _java_version(manager, text)
    if version:
        evidence.append(f"runtime java {version}: {build_file}")
    return ServiceStack(
        name=name,
        path=rel,
        language="java",
        framework=framework,
        package_manager=manager,
        entry=main[0] if main else None,
        start=start,
        port=port,
        health_path=health,
        test_framework=manager if has_tests else None,
        test_command=test_command,
        dependencies=tuple(dict.fromkeys(d.lower().replace("_", "-") for d in dependencies)),
        runtime_version=version,
        evidence=tuple(evidence),
    )
