"""The build stage: per service, a local release or an image (repository or generated Dockerfile,
validated, built through a Docker-compatible engine, pushed), plus maven/npm/poetry/custom builds."""

from ._hadolint import LintFinding, LintVerdict, hadolint
from .capability import Build
from .dockerfile import (
    DockerfileChoice,
    Refiner,
    choose_dockerfile,
    no_refinement,
    render,
    render_dockerignore,
    render_fallback,
    template_dirs,
)
from .engine import Engine, candidate_urls, image_tag, registry_auth, repository_name
from .errors import (
    CannotGenerate,
    DockerfileRejected,
    ImageBuildFailed,
    NoEngine,
    PushFailed,
    ToolBuildFailed,
)
from .image import dockerfile_artifact
from .local import LocalRelease, ReleaseBase, local_release
from .stacks import DockerfileInputs, dockerfile_inputs, template_for
from .tools import ToolBuild, run_build_tool

__all__ = [
    "Build",
    "CannotGenerate",
    "DockerfileChoice",
    "DockerfileInputs",
    "DockerfileRejected",
    "Engine",
    "ImageBuildFailed",
    "LintFinding",
    "LintVerdict",
    "LocalRelease",
    "NoEngine",
    "PushFailed",
    "Refiner",
    "ReleaseBase",
    "ToolBuild",
    "ToolBuildFailed",
    "candidate_urls",
    "choose_dockerfile",
    "dockerfile_artifact",
    "dockerfile_inputs",
    "hadolint",
    "image_tag",
    "local_release",
    "no_refinement",
    "registry_auth",
    "render",
    "render_dockerignore",
    "render_fallback",
    "repository_name",
    "run_build_tool",
    "template_dirs",
    "template_for",
]
