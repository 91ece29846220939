"""Which suite a service has: its command (service, config, detection) and its runner's
environment (a cached venv or node_modules)."""

from __future__ import annotations

import os
from pathlib import Path

import anyio

from ..config.models import OrchestraConfig, Service
from ..detect import detect_service
from ..envs import node_env, python_env
from ..errors import TaskFailed
from ._command import split
from .model import Suite
from .node import NodeSuite
from .python import EXTRAS, PythonSuite

DEFAULT_PYTHON = ["python", "-m", "pytest", "-q"]
_PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")


def base_env(service: Service) -> dict[str, str]:
    """What tests see: a minimal environment plus the service's own (never the peer's secrets)."""
    env = {k: os.environ[k] for k in _PASSED_ENV if k in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    env.update({"CI": "true", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"})
    env.update({k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in service.env.items()})
    return env


async def make_suite(
    service: Service, config: OrchestraConfig, service_dir: Path, workdir: Path, cache_dir: Path
) -> tuple[Suite | None, str]:
    """The suite, or None with the reason when the service has no tests to run."""
    stack = await anyio.to_thread.run_sync(detect_service, service_dir, service.name, service.path)
    language = service.language or (stack.language if stack else "unknown")
    command = service.test_command or config.testing.command or (list(stack.test_command) if stack else None)
    where = "the test command"
    argv = split(command, where) if command else None
    timeout = config.testing.timeout
    env = base_env(service)
    if language == "python":
        deps = set(stack.dependencies if stack else ())
        framework = service.framework or (stack.framework if stack else None)
        extras = [*EXTRAS, *(["httpx"] if "fastapi" in deps or framework == "fastapi" else [])]
        venv = await python_env(service_dir, cache_dir, extras=extras)
        return PythonSuite(service_dir, venv, argv or DEFAULT_PYTHON, workdir, env, timeout), language
    if language == "node":
        if argv is None:
            return None, "package.json has no test script and testing.command is not set"
        await node_env(service_dir, cache_dir)
        return NodeSuite(service_dir, argv, workdir, env, timeout), language
    if argv is None:
        return None, f"no test command for a {language} service (set testing.command or test_command)"
    raise TaskFailed(
        f"the test stage runs Python and Node suites; {service.name} is {language} "
        f"(its command `{' '.join(argv)}` was not run)"
    )
