"""The local router: an HTTP reverse proxy process per service that splits traffic by weight
between versions, retries refused connections, drains removed upstreams, and keeps
per-version statistics on its admin API.

Built on anyio and h11 (already installed with httpx): a sans-IO HTTP/1.1 parser keeps the
proxy small and in our hands (retry and drain rules, in-flight counts) with no new dependency.
"""

from .client import RouterClient, RouterError, launch_router, read_state
from .procs import SpawnError, alive, spawn_detached, started_at, terminate
from .proxy import ERROR_HEADER, VERSION_HEADER
from .stats import percentile
from .table import RouteTable, Selector, VersionRoute, split_address

__all__ = [
    "ERROR_HEADER",
    "VERSION_HEADER",
    "RouteTable",
    "RouterClient",
    "RouterError",
    "Selector",
    "SpawnError",
    "VersionRoute",
    "alive",
    "launch_router",
    "percentile",
    "read_state",
    "spawn_detached",
    "split_address",
    "started_at",
    "terminate",
]
