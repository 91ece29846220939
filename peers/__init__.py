"""Processes: the peer runtime and the `orchestra` CLI (later: the GitOps gateway, the ChatOps bot)."""

from .catalog import Catalog, default_catalog
from .errors import NothingToServe, PeerError, UnknownCapability
from .runtime import Peer, advertisable
from .settings import PeerSettings
from .stats import PeerStats

__all__ = [
    "Catalog",
    "NothingToServe",
    "Peer",
    "PeerError",
    "PeerSettings",
    "PeerStats",
    "UnknownCapability",
    "advertisable",
    "default_catalog",
]
