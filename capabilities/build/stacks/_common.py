"""What every stack's Dockerfile inputs share: the start argv made fit for a container, and the
health-check commands that work with the tools each base image has."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...config.models import Service
from ..errors import CannotGenerate

ANY_HOST = "0.0.0.0"  # noqa: S104 - a service in a container listens on every interface
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
_HOST_PORT = re.compile(r"^(?:(\d{1,3}(?:\.\d{1,3}){3}|localhost):)?(\d{2,5})$")
SAFE_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*$")
"""Health paths that may appear in a shell line and a URL as they are."""


@dataclass(frozen=True)
class DockerfileInputs:
    """What a service's Dockerfile is made from: the template and the values it is rendered with.

    The same inputs go to a later backend that may refine the rendered file (the LLM); what
    either produces is used only once it passes validation.
    """

    service: str
    template: str
    """``python`` | ``node`` | ``static`` | ``go`` | ``java``: ``<template>.Dockerfile.j2``."""
    language: str
    framework: str | None
    port: int
    health_path: str
    cmd: tuple[str, ...]
    health_cmd: tuple[str, ...]
    values: Mapping[str, Any] = field(default_factory=dict)
    """Template-specific: ``base_image``, ``build_image``, ``manifests``, install commands, ..."""
    files: Mapping[str, str] = field(default_factory=dict)
    """Files written into the build context before the build (a generated requirements list)."""
    fallback: Mapping[str, Any] | None = None
    """Values for ``simple.Dockerfile.j2`` (one stage, no build step), when the stack has one."""

    def context(self) -> dict[str, Any]:
        """The template's variables."""
        return {
            "service": self.service,
            "language": self.language,
            "framework": self.framework,
            "port": self.port,
            "health_path": self.health_path,
            "cmd": list(self.cmd),
            "health_cmd": list(self.health_cmd),
            **self.values,
        }

    def fallback_context(self) -> dict[str, Any] | None:
        if self.fallback is None:
            return None
        return {**self.context(), "setup": [], "user": "65534:65534", **self.fallback}

    def describe(self) -> dict[str, Any]:
        """JSON-able, for the result and for a refining backend's prompt."""
        described: dict[str, Any] = json.loads(json.dumps({**self.context(), "template": self.template}))
        return described


def argv_of(command: str | Sequence[str] | None) -> tuple[str, ...]:
    if command is None:
        return ()
    return tuple(shlex.split(command)) if isinstance(command, str) else tuple(command)


def start_argv(service: Service, detected: Sequence[str]) -> tuple[str, ...]:
    """The configured start command, else the detected one."""
    return argv_of(service.command) or tuple(detected)


def container_argv(argv: Sequence[str], port: int) -> tuple[str, ...]:
    """``argv`` listening on every interface and on ``port``: ``--host 127.0.0.1`` becomes
    ``0.0.0.0``, ``--port N`` / ``-p N`` / ``--bind host:N`` / ``runserver host:N`` take ``port``."""
    out = list(argv)
    for i, arg in enumerate(out):
        before = out[i - 1] if i else ""
        if before in ("--host", "-h", "--bind", "-b") and arg in _LOCAL_HOSTS:
            out[i] = ANY_HOST
        elif before in ("--port", "-p") and arg.isdigit():
            out[i] = str(port)
        elif arg.startswith("--port="):
            out[i] = f"--port={port}"
        elif arg.startswith("--host=") and arg.split("=", 1)[1] in _LOCAL_HOSTS:
            out[i] = f"--host={ANY_HOST}"
        elif (m := _HOST_PORT.match(arg)) and (before in ("--bind", "-b", "runserver") or m.group(1)):
            out[i] = f"{ANY_HOST}:{port}"
    return tuple(out)


def require_start(service: str, argv: Sequence[str]) -> tuple[str, ...]:
    if not argv:
        raise CannotGenerate(
            f"cannot tell how to start {service!r} to write its Dockerfile: set "
            f"deployment.services[{service}].command in devops_orchestra.yaml (or add a Dockerfile)"
        )
    return tuple(argv)


def health_url_path(path: str) -> str:
    """The health path to probe; ``/`` when the configured one is not safe to embed."""
    return path if SAFE_PATH.match(path) else "/"


def python_health(path: str, port: int) -> tuple[str, ...]:
    """A health probe for images with Python: urllib, exit 1 on anything but a 2xx/3xx answer.

    The probes use the port the image is built for (``EXPOSE``); a runtime maps it, not changes it."""
    code = (
        "import sys, urllib.request; "
        f"answer = urllib.request.urlopen('http://127.0.0.1:{port}{health_url_path(path)}', timeout=4); "
        "sys.exit(0 if answer.status < 400 else 1)"
    )
    return ("python3", "-c", code)


def node_health(path: str, port: int) -> tuple[str, ...]:
    """A health probe for images with Node (any version: ``http.get``, no ``fetch`` needed)."""
    code = (
        f"require('http').get('http://127.0.0.1:{port}{health_url_path(path)}', "
        "(r) => process.exit(r.statusCode < 400 ? 0 : 1)).on('error', () => process.exit(1))"
    )
    return ("node", "-e", code)


def wget_health(path: str, port: int) -> tuple[str, ...]:
    """A health probe for images with (busybox) wget: Alpine, Debian's buildpack images."""
    return ("wget", "-q", "-O", "/dev/null", f"http://127.0.0.1:{port}{health_url_path(path)}")


def version_or(found: str | None, pattern: str, default: str) -> str:
    return found if found and re.fullmatch(pattern, found) else default
