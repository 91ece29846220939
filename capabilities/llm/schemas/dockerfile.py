"""The ``dockerfile`` task: what was detected about a service (the variables) and the values a
Dockerfile template is rendered with (the answer).

The model does not write a Dockerfile: it proposes its parameters (base image, system packages,
build steps, start command, port, health path) under this schema; the build stage renders them
through ``infra_templates/dockerfiles/``, lints the result with hadolint and builds it. Every
field is constrained so that nothing the model writes can change the file's structure: build
steps are single shell words and arguments (no ``;``, ``|``, ``&``, ``$``, quotes, newlines),
package names are package names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

IMAGE_PATTERN = r"^[a-z0-9][a-z0-9._/-]{0,80}:[A-Za-z0-9][A-Za-z0-9._-]{0,40}$"
"""``name:tag`` (a registry host and path allowed in the name); a tag is required."""
PACKAGE_PATTERN = r"^[a-z0-9][a-z0-9+.-]{0,40}(=[A-Za-z0-9.:~+*-]{1,40})?$"
"""A Debian package, optionally pinned (``curl=7.88.*``): hadolint wants apt installs pinned."""
STEP_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._/=:@+,-]{0,159}$"
"""One command and its arguments: no shell operators, substitutions, quotes or newlines."""
ARG_PATTERN = r"^[^\n\r\x00]{1,200}$"
HEALTH_PATTERN = r"^/[A-Za-z0-9._~/-]{0,100}$"

Package = Annotated[str, StringConstraints(pattern=PACKAGE_PATTERN)]
Step = Annotated[str, StringConstraints(pattern=STEP_PATTERN)]
Arg = Annotated[str, StringConstraints(pattern=ARG_PATTERN)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DockerfileRequest(_Model):
    """The variables of the ``dockerfile`` task: the detected stack and the template's values."""

    service: str
    template: str
    """The template the stack gets: ``python``, ``node``, ``static``, ``go``, ``java``."""
    language: str
    framework: str | None = None
    base_image: str
    """The template's pinned base image; a proposal must keep this image (another tag is fine)."""
    port: int
    health_path: str = "/health"
    start_command: list[str] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list, max_length=60)
    """The service folder's top-level entries, for context."""

    @classmethod
    def from_inputs(cls, described: Mapping[str, Any], files: Sequence[str] = ()) -> DockerfileRequest:
        """From the build stage's ``DockerfileInputs.describe()``."""
        return cls(
            service=str(described["service"]),
            template=str(described["template"]),
            language=str(described["language"]),
            framework=described.get("framework"),
            base_image=str(described["base_image"]),
            port=int(described["port"]),
            health_path=str(described.get("health_path") or "/health"),
            start_command=[str(a) for a in described.get("cmd") or []],
            files=sorted(files)[:60],
        )


class DockerfilePlan(_Model):
    """The answer of the ``dockerfile`` task: what the template is rendered with."""

    base_image: str = Field(pattern=IMAGE_PATTERN, max_length=122)
    system_packages: list[Package] = Field(default_factory=list, max_length=8)
    """Distribution packages the service needs at run time (``libpq5``), installed without
    recommends."""
    build_steps: list[Step] = Field(default_factory=list, max_length=6)
    """Commands run after the dependencies are installed (``npm run build``), one ``RUN`` each."""
    start_command: list[Arg] = Field(min_length=1, max_length=12)
    port: int = Field(ge=1, le=65535)
    health_path: str = Field(pattern=HEALTH_PATTERN)
    notes: str = Field(default="", max_length=300)
    """Why these values, in a sentence."""

    def template_values(self) -> dict[str, Any]:
        """The values for the Dockerfile templates (their variable names)."""
        return {
            "base_image": self.base_image,
            "system_packages": list(self.system_packages),
            "build_steps": list(self.build_steps),
            "cmd": list(self.start_command),
            "port": self.port,
            "health_path": self.health_path,
        }
