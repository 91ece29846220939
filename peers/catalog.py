"""Which capabilities a peer can serve: built-ins, installed plugins, and modules loaded by path.

A plugin module exposes ``CAPABILITIES``, an iterable of Capability objects. Installed
packages register such modules under the entry-point group ``devops_orchestra.capabilities``;
``--load module`` (or ``ORCHESTRA_LOAD``) loads one by import path.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable
from importlib.metadata import entry_points

import capabilities
from capabilities import Capability

from .errors import PeerError, UnknownCapability

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "devops_orchestra.capabilities"


class Catalog:
    """Capability name -> implementation."""

    def __init__(self, items: Iterable[Capability] = ()) -> None:
        self._items: dict[str, Capability] = {}
        for cap in items:
            self.add(cap)

    def add(self, cap: Capability) -> None:
        if not isinstance(cap, Capability):
            raise PeerError(f"{cap!r} is not a capability (needs name, available(), run())")
        self._items[cap.name] = cap

    def get(self, name: str) -> Capability:
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise UnknownCapability(f"no capability {name!r} (known: {known})") from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def load_module(self, path: str) -> None:
        try:
            module = importlib.import_module(path)
        except ImportError as exc:
            raise PeerError(f"cannot load capabilities from {path!r}: {exc}") from exc
        items = getattr(module, "CAPABILITIES", None)
        if items is None:
            raise PeerError(f"module {path!r} has no CAPABILITIES")
        for cap in items:
            self.add(cap)


def default_catalog(load: Iterable[str] = ()) -> Catalog:
    catalog = Catalog(capabilities.builtin())
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        catalog.load_module(ep.value)
    for path in load:
        catalog.load_module(path)
    return catalog
