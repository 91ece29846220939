"""The deploy stage: blue-green, canary and rolling rollouts on the ``local`` runtime (processes)
or the ``docker`` runtime (containers), behind a per-service router; plus the deploy history,
releases made runnable, and ``teardown`` of what a project left running on this host."""

from .capability import Deploy
from .history import DeployRecord, History, last_healthy, ledger_name, project_name
from .materialize import materialize, release_for
from .retire import retire, retire_due
from .runtimes import (
    RUNTIMES,
    AppSpec,
    Instance,
    InstanceFailed,
    LocalRuntime,
    Runtime,
    listen_address,
    open_runtime,
    runtime_for,
    teardown,
)
from .strategies import STRATEGIES

__all__ = [
    "RUNTIMES",
    "STRATEGIES",
    "AppSpec",
    "Deploy",
    "DeployRecord",
    "History",
    "Instance",
    "InstanceFailed",
    "LocalRuntime",
    "Runtime",
    "last_healthy",
    "ledger_name",
    "listen_address",
    "materialize",
    "open_runtime",
    "project_name",
    "release_for",
    "retire",
    "retire_due",
    "runtime_for",
    "teardown",
]
