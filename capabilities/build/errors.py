"""Errors of the build capability; every one is a ``TaskFailed`` whose message the user sees.

TaskFailed                     (capabilities.errors)
├── NoEngine                   no Docker-compatible engine answers for an image build
├── DockerfileRejected         no Dockerfile (generated, refined or fallback) passed validation
├── CannotGenerate             the service's stack gives too little to write a Dockerfile
├── ImageBuildFailed           the engine could not build the image
├── PushFailed                 the registry refused the image (or the engine could not push)
├── ToolBuildFailed            maven / npm / poetry / a custom build command failed
└── ReleaseBroken              a local release does not import its entry module
"""

from __future__ import annotations

from ..errors import TaskFailed


class NoEngine(TaskFailed):
    """No Docker-compatible engine answers, so no image can be built here."""


class DockerfileRejected(TaskFailed):
    """No candidate Dockerfile passed validation (a bug in the templates)."""


class CannotGenerate(TaskFailed):
    """Too little is known about the service to write a Dockerfile for it."""


class ImageBuildFailed(TaskFailed):
    """The engine could not build the image."""


class PushFailed(TaskFailed):
    """The image could not be pushed to the registry."""


class ToolBuildFailed(TaskFailed):
    """The configured build tool failed or produced nothing."""


class ReleaseBroken(TaskFailed):
    """A local release does not import its entry module (a missing requirement, usually)."""
