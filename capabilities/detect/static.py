"""Static sites: no manifest, an ``index.html`` at the service root or in a usual folder."""

from __future__ import annotations

import logging
from pathlib import Path

from .model import ServiceStack

log = logging.getLogger(__name__)

ROOTS = (".", "public", "dist", "site")
"""Where an ``index.html`` makes a static site, in order of preference."""


def detect_static(service_dir: Path, name: str, rel: str) -> ServiceStack | None:
    """A static site served from the first of :data:`ROOTS` holding ``index.html``, else None."""
    for root in ROOTS:
        if (service_dir / root / "index.html").is_file():
            where = "index.html" if root == "." else f"{root}/index.html"
            return ServiceStack(
                name=name,
                path=rel,
                language="static",
                static_root=root,
                evidence=(f"language static: {where}", f"static_root {root}: {where}"),
            )
    return None
