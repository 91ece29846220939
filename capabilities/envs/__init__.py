"""Dependency environments for services, cached on the host: Python venvs and node_modules."""

from .node import NodeEnv, node_env
from .python import PythonEnv, python_env, requirements_of

__all__ = ["NodeEnv", "PythonEnv", "node_env", "python_env", "requirements_of"]
