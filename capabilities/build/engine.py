"""A Docker-compatible engine (Docker, or Podman's API service) through the docker SDK: ping,
build through the Engine API, tag, push, and the digest the registry reported.

The SDK is blocking; callers run these methods in worker threads. Registry credentials come
from ``ORCHESTRA_REGISTRY_USER`` / ``ORCHESTRA_REGISTRY_PASSWORD`` and only ever travel in the
engine's ``X-Registry-Auth`` header: never in a log line, an error message or a result.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import docker
from docker.errors import APIError, DockerException

from ..redact import Redactor
from .errors import ImageBuildFailed, NoEngine, PushFailed

log = logging.getLogger(__name__)

PING_TIMEOUT_S = 5.0
API_TIMEOUT_S = 1800.0
"""Seconds one engine API read may wait (a build step can be silent for long)."""
LOG_LINES = 200
USER_ENV, PASSWORD_ENV = "ORCHESTRA_REGISTRY_USER", "ORCHESTRA_REGISTRY_PASSWORD"
IN_CONTEXT = "Dockerfile.orchestra"
_DIGEST = re.compile(r"\bdigest: (sha256:[0-9a-f]{64})\b")
_TAG_INVALID = re.compile(r"[^A-Za-z0-9_.-]+")
_NAME_INVALID = re.compile(r"[^a-z0-9._/-]+")


def candidate_urls(environ: Mapping[str, str] | None = None) -> list[str]:
    """``DOCKER_HOST`` when set; else the usual Docker and Podman sockets that exist here."""
    environ = os.environ if environ is None else environ
    if host := environ.get("DOCKER_HOST"):
        return [host]
    sockets = [Path("/var/run/docker.sock"), Path("/run/podman/podman.sock")]
    if runtime := environ.get("XDG_RUNTIME_DIR"):
        sockets.insert(1, Path(runtime) / "podman" / "podman.sock")
    found = [f"unix://{s}" for s in sockets if s.exists()]
    return found or ["unix:///var/run/docker.sock"]


def _unix_refused(url: str, timeout_s: float) -> str | None:
    """Why a ``unix://`` socket does not accept connections (None when it does, or for TCP).

    Probed with a socket closed whatever happens: the SDK leaks the one it fails to connect."""
    if not url.startswith("unix://"):
        return None
    path = url.removeprefix("unix://")
    if not Path(path).exists():
        return "no such socket"
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(timeout_s)
            probe.connect(path)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def image_tag(text: str) -> str:
    """A valid image tag from a branch name: ``feature/x`` -> ``feature-x``."""
    tag = _TAG_INVALID.sub("-", text).lstrip(".-")[:128]
    return tag or "latest"


def repository_name(registry: str | None, project: str, service: str) -> str:
    """``<registry>/<project>/<service>``, lower case, in the characters image names allow."""
    path = "/".join(_NAME_INVALID.sub("-", p.lower()).strip("-./") or "app" for p in (project, service))
    return f"{registry.rstrip('/')}/{path}" if registry else path


def registry_auth(registry: str | None, environ: Mapping[str, str] | None = None) -> dict[str, str] | None:
    environ = os.environ if environ is None else environ
    user, password = environ.get(USER_ENV), environ.get(PASSWORD_ENV)
    if not registry or not user or not password:
        return None
    return {"username": user, "password": password, "serveraddress": registry.split("/", 1)[0]}


def in_context(context: Path, dockerfile: Path) -> str:
    """``dockerfile`` relative to ``context``, copied in as ``Dockerfile.orchestra`` when it is
    elsewhere: the SDK would send an outside file's text as a second ``dockerfile`` parameter,
    which Podman reads as a path. ``context`` is a private working copy."""
    resolved, root = dockerfile.resolve(), context.resolve()
    if resolved.is_relative_to(root):
        return resolved.relative_to(root).as_posix()
    target = root / IN_CONTEXT
    target.write_bytes(resolved.read_bytes())
    return IN_CONTEXT


class _Inspect(Protocol):
    def __call__(self, image: str) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class BuiltImage:
    id: str
    size: int
    duration_s: float
    log_tail: str


class Engine:
    """One connection to an engine. Blocking: call its methods from a worker thread."""

    def __init__(self, client: docker.DockerClient, url: str, redact: Redactor) -> None:
        self.client = client
        self.url = url
        self._redact = redact

    @classmethod
    def connect(cls, secret_names: Iterable[str] = (), timeout_s: float = PING_TIMEOUT_S) -> Engine:
        """The first engine that answers a ping; NoEngine says where it looked and why."""
        redact = Redactor([USER_ENV, PASSWORD_ENV, *secret_names])
        problems = []
        for url in candidate_urls():
            if (refused := _unix_refused(url, timeout_s)) is not None:
                problems.append(f"{url}: {refused}")
                continue
            try:
                client = docker.DockerClient(base_url=url, timeout=int(timeout_s))
                client.ping()
            except (DockerException, OSError) as exc:
                problems.append(f"{url}: {redact(str(exc)).splitlines()[0][:200]}")
                continue
            client.api.timeout = int(API_TIMEOUT_S)
            return cls(client, url, redact)
        raise NoEngine(
            "no Docker-compatible engine: set DOCKER_HOST to a Docker or Podman API socket "
            f"(podman system service unix:///run/podman/podman.sock); tried {'; '.join(problems)}"
        )

    def describe(self) -> dict[str, str]:
        """The engine's name and version, e.g. ``Podman Engine 4.3.1``."""
        try:
            info: dict[str, Any] = self.client.version()
        except (DockerException, OSError):
            return {"url": self.url, "engine": "unknown"}
        components = info.get("Components") or [{}]
        name = str(components[0].get("Name") or "Docker Engine")
        return {"url": self.url, "engine": f"{name} {info.get('Version', '')}".strip()}

    def build(
        self,
        context: Path,
        dockerfile: Path,
        tag: str,
        build_args: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> BuiltImage:
        """Build ``context`` (its ``.dockerignore`` applies) with ``dockerfile`` and tag it."""
        started = time.monotonic()
        lines: deque[str] = deque(maxlen=LOG_LINES)
        image_id = ""
        try:
            stream = self.client.api.build(
                path=str(context),
                dockerfile=in_context(context, dockerfile),
                tag=tag,
                rm=True,
                forcerm=True,
                pull=False,
                decode=True,
                buildargs=dict(build_args or {}),
                labels=dict(labels or {}),
            )
            for chunk in stream:
                if "error" in chunk or "errorDetail" in chunk:
                    detail = chunk.get("errorDetail") or {}
                    message = str(chunk.get("error") or detail.get("message") or chunk)
                    raise ImageBuildFailed(self._failure("image build failed", message, lines))
                if text := chunk.get("stream"):
                    lines.extend(line for line in str(text).splitlines() if line.strip())
                aux = chunk.get("aux")
                if isinstance(aux, dict) and aux.get("ID"):
                    image_id = str(aux["ID"])
        except (APIError, DockerException, OSError) as exc:
            raise ImageBuildFailed(self._failure("image build failed", str(exc), lines)) from None
        try:
            inspect: _Inspect = self.client.api.inspect_image  # typed here: the SDK is not
            inspected = inspect(image_id or tag)
        except (DockerException, OSError) as exc:
            raise ImageBuildFailed(
                self._failure("the built image cannot be found", str(exc), lines)
            ) from None
        return BuiltImage(
            id=str(inspected.get("Id", image_id)),
            size=int(inspected.get("Size") or 0),
            duration_s=round(time.monotonic() - started, 3),
            log_tail=self._redact("\n".join(list(lines)[-30:])),
        )

    def tag(self, image: str, repository: str, tag: str) -> str:
        try:
            self.client.api.tag(image, repository, tag)
        except (DockerException, OSError) as exc:
            raise ImageBuildFailed(
                f"could not tag {image} as {repository}:{tag}: {self._redact(str(exc))}"
            ) from None
        return f"{repository}:{tag}"

    def push(self, repository: str, tag: str, auth: dict[str, str] | None) -> str | None:
        """Push ``repository:tag``; the digest the registry reported (``sha256:...``), if it said."""
        digest: str | None = None
        lines: deque[str] = deque(maxlen=LOG_LINES)
        try:
            for chunk in self.client.api.push(
                repository, tag=tag, auth_config=auth, stream=True, decode=True
            ):
                if "error" in chunk or "errorDetail" in chunk:
                    detail = chunk.get("errorDetail") or {}
                    message = str(chunk.get("error") or detail.get("message") or chunk)
                    raise PushFailed(self._failure(f"push of {repository}:{tag} failed", message, lines))
                aux = chunk.get("aux")
                if isinstance(aux, dict) and str(aux.get("Digest", "")).startswith("sha256:"):
                    digest = str(aux["Digest"])
                status = str(chunk.get("status") or "")
                if status:
                    lines.append(status)
                if digest is None and (m := _DIGEST.search(status)):
                    digest = m.group(1)
        except (APIError, DockerException, OSError) as exc:
            raise PushFailed(self._failure(f"push of {repository}:{tag} failed", str(exc), lines)) from None
        return digest  # Podman says it in a status line, Docker in "aux"; a local RepoDigest would differ

    def _failure(self, what: str, message: str, lines: Iterable[str]) -> str:
        tail = "\n".join(list(lines)[-20:])
        return self._redact(f"{what}: {message.strip()}" + (f"\n{tail}" if tail else ""))

    def close(self) -> None:
        self.client.close()
