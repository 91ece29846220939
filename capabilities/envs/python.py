"""Python environments: one virtualenv per set of requirements, cached on the host.

The key is a hash of the interpreter's version, the service's requirements and any extra
packages, so the test stage, the build stage and a deploy of the same commit share one venv,
and a change to requirements.txt gets a new one.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .._lock import file_lock
from ..errors import TaskFailed
from ..tools import run_tool

log = logging.getLogger(__name__)

PIP_TIMEOUT_S = 900.0


@dataclass(frozen=True, slots=True)
class PythonEnv:
    root: Path
    key: str
    requirements: tuple[str, ...]

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    def command(self, argv: Sequence[str]) -> list[str]:
        """``argv`` with ``python``/``pip``/a console script resolved inside the venv."""
        if not argv:
            return []
        head = argv[0]
        if head in ("python", "python3"):
            return [str(self.python), *argv[1:]]
        candidate = self.bin / head
        return [str(candidate) if candidate.exists() else head, *argv[1:]]

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(base or {})
        env["VIRTUAL_ENV"] = str(self.root)
        env["PATH"] = f"{self.bin}:{env.get('PATH', '/usr/local/bin:/usr/bin:/bin')}"
        return env


def requirements_of(service_dir: Path) -> tuple[str, ...]:
    """The requirement lines a service declares (requirements.txt, pyproject, Pipfile)."""
    req = service_dir / "requirements.txt"
    if req.is_file():
        return tuple(_requirement_lines(req))
    pyproject = service_dir / "pyproject.toml"
    if pyproject.is_file():
        data = tomllib.loads(pyproject.read_text())
        deps = list(data.get("project", {}).get("dependencies", []))
        poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
        deps += [_poetry_line(name, spec) for name, spec in poetry.items() if name.lower() != "python"]
        return tuple(deps)
    pipfile = service_dir / "Pipfile"
    if pipfile.is_file():
        packages = tomllib.loads(pipfile.read_text()).get("packages", {})
        return tuple(_pipfile_line(name, spec) for name, spec in packages.items())
    return ()


def _requirement_lines(path: Path, depth: int = 0) -> list[str]:
    lines: list[str] = []
    for raw in path.read_text(errors="replace").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ")) and depth < 5:
            lines += _requirement_lines(path.parent / line.split(None, 1)[1], depth + 1)
        elif not line.startswith("-"):
            lines.append(line)
    return lines


def _poetry_line(name: str, spec: object) -> str:
    version = spec.get("version", "*") if isinstance(spec, dict) else str(spec)
    return name + _poetry_spec(str(version))


def _poetry_spec(version: str) -> str:
    version = version.strip()
    if version in ("", "*"):
        return ""
    if version.startswith("^"):
        parts = version[1:].split(".")
        major = int(parts[0])
        upper = f"{major + 1}" if major > 0 or len(parts) == 1 else f"0.{int(parts[1]) + 1}"
        return f">={version[1:]},<{upper}"
    if version.startswith("~") and not version.startswith("~="):
        parts = version[1:].split(".")
        upper = f"{parts[0]}.{int(parts[1]) + 1}" if len(parts) > 1 else f"{int(parts[0]) + 1}"
        return f">={version[1:]},<{upper}"
    return version if version[0] in "<>=!~" else f"=={version}"


def _pipfile_line(name: str, spec: object) -> str:
    version = spec.get("version", "*") if isinstance(spec, dict) else str(spec)
    return name if version in ("*", "") else f"{name}{version}"


def env_key(requirements: Sequence[str], extras: Sequence[str] = ()) -> str:
    text = "\n".join([sys.version.split()[0], *sorted(requirements), "--", *sorted(extras)])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


async def python_env(
    service_dir: Path,
    cache_dir: Path,
    *,
    extras: Sequence[str] = (),
    timeout_s: float = PIP_TIMEOUT_S,
) -> PythonEnv:
    """The cached venv with the service's requirements (and ``extras``) installed."""
    requirements = requirements_of(service_dir)
    key = env_key(requirements, extras)
    root = cache_dir / "envs" / "py" / key
    env = PythonEnv(root, key, requirements)
    ready = root / ".ready"
    if ready.exists():
        return env
    async with file_lock(root.with_suffix(".lock")):
        if ready.exists():
            return env
        log.info(
            "creating a Python environment for %s (%d requirement(s))", service_dir.name, len(requirements)
        )
        created = await run_tool([sys.executable, "-m", "venv", "--clear", str(root)], timeout_s=120)
        if not created.ok:
            raise TaskFailed(f"could not create a virtualenv:\n{created.tail()}")
        packages = [*requirements, *extras]
        if packages:
            listing = root / "requirements.lock.in"
            listing.write_text("\n".join(packages) + "\n")
            installed = await run_tool(
                [
                    str(env.python),
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    "-q",
                    "-r",
                    str(listing),
                ],
                timeout_s=timeout_s,
                env={"PIP_NO_PYTHON_VERSION_WARNING": "1"},
            )
            if not installed.ok:
                raise TaskFailed(
                    f"pip could not install the requirements of {service_dir.name}:\n{installed.tail(30)}"
                )
        ready.write_text("\n".join(packages) + "\n")
    return env
