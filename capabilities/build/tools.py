"""``build.tool`` maven / npm / poetry / custom: run the project's own build and record what it made.

maven   mvn -q -B -DskipTests package        target/*.jar (or .war)
npm     npm run build                         the site's output folder (dist/, build/, ...)
poetry  poetry build                          dist/*.whl
custom  build.command (an argv; no shell)     the file or folder the command created
"""

from __future__ import annotations

import logging
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config.models import Build
from ..detect import ServiceStack
from ..envs import node_env
from ..redact import Redactor
from ..tools import run_tool, which
from .errors import ToolBuildFailed

log = logging.getLogger(__name__)

TOOL_TIMEOUT_S = 1800.0
COMMANDS: dict[str, list[str]] = {
    "maven": ["mvn", "-q", "-B", "-DskipTests", "package"],
    "npm": ["npm", "run", "build"],
    "poetry": ["poetry", "build"],
}
_SKIP = frozenset({".git", "node_modules", ".venv", "__pycache__", ".orchestra"})
_JAR_NOISE = ("-sources.jar", "-javadoc.jar", "-tests.jar")


@dataclass(frozen=True, slots=True)
class ToolBuild:
    tool: str
    command: list[str]
    artifact: str | None
    """Relative to the service's folder."""
    produced: list[str]
    duration_s: float

    def encode(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "command": self.command,
            "artifact": self.artifact,
            "produced": self.produced[:50],
            "duration_s": self.duration_s,
        }


def _files(root: Path) -> dict[str, float]:
    found: dict[str, float] = {}
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.name in _SKIP or entry.is_symlink():
                continue
            if entry.is_dir():
                stack.append(entry)
            elif entry.is_file():
                found[entry.relative_to(root).as_posix()] = entry.stat().st_mtime
    return found


def produced(before: dict[str, float], after: dict[str, float]) -> list[str]:
    """Files the build created or changed."""
    return sorted(p for p, mtime in after.items() if before.get(p) != mtime)


def main_artifact(tool: str, service_dir: Path, stack: ServiceStack, changed: list[str]) -> str | None:
    """The one thing the build made: the jar, the wheel, the site folder, or what ``changed`` shares."""
    if tool == "maven":
        jars = [
            p
            for p in changed
            if p.startswith("target/") and p.count("/") == 1 and p.endswith((".jar", ".war"))
        ]
        jars = [
            p for p in jars if not p.endswith(_JAR_NOISE) and not p.split("/")[-1].startswith("original-")
        ]
        return jars[0] if jars else None
    if tool == "poetry":
        wheels = [p for p in changed if p.startswith("dist/") and p.endswith(".whl")]
        return wheels[-1] if wheels else None
    if tool == "npm":
        for folder in (stack.static_root, "dist", "build", "out"):
            if folder and folder != "." and (service_dir / folder).is_dir():
                return folder
    if len(changed) == 1:
        return changed[0]
    tops = {p.split("/", 1)[0] for p in changed}
    return tops.pop() if len(tops) == 1 else None  # several files under one folder: the folder


def tool_command(build: Build) -> list[str]:
    if build.tool == "custom":
        if not build.command:
            raise ToolBuildFailed("build.tool is custom but build.command is empty: say how to build")
        return shlex.split(build.command) if isinstance(build.command, str) else list(build.command)
    return list(COMMANDS[build.tool])


async def run_build_tool(
    build: Build, service_dir: Path, stack: ServiceStack, cache_dir: Path, secret_names: list[str]
) -> ToolBuild:
    """Run the configured build tool in the service's folder; fail unless it made something."""
    argv = tool_command(build)
    if build.tool == "npm":
        await node_env(service_dir, cache_dir)  # node_modules for the build script
    program = which(argv[0], [Path(sys.executable).parent, service_dir])
    if program is None and not (service_dir / argv[0]).is_file():
        raise ToolBuildFailed(f"build.tool {build.tool}: {argv[0]} is not installed on this peer")
    before = _files(service_dir)
    log.info("building %s with %s", service_dir.name, shlex.join(argv))
    result = await run_tool([program or argv[0], *argv[1:]], cwd=service_dir, timeout_s=TOOL_TIMEOUT_S)
    if not result.ok:
        why = (
            f"timed out after {TOOL_TIMEOUT_S:.0f}s"
            if result.timed_out
            else f"exited with {result.returncode}"
        )
        tail = Redactor(secret_names)(result.tail(30))
        raise ToolBuildFailed(f"{shlex.join(argv)} {why}:\n{tail}")
    changed = produced(before, _files(service_dir))
    artifact = main_artifact(build.tool, service_dir, stack, changed)
    if artifact is None:
        raise ToolBuildFailed(
            f"{shlex.join(argv)} succeeded but produced no artifact in {service_dir.name} "
            f"({len(changed)} file(s) changed: {', '.join(changed[:5]) or 'none'})"
        )
    return ToolBuild(build.tool, argv, artifact, changed, result.duration_s)
