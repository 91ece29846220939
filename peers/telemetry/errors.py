"""Errors of tracing and metrics.

OrchestraError                 (blackboard.errors)
└── PeerError                  (peers.errors)
    └── TelemetryError         the OTEL_* environment or a metrics port cannot be used
"""

from __future__ import annotations

from ..errors import PeerError


class TelemetryError(PeerError):
    """The ``OTEL_*`` environment or a metrics port cannot be used."""
