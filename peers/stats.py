"""What a peer counts; its heartbeat and ``/metrics`` report these."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class PeerStats:
    claimed: int = 0
    reassigned: int = 0
    """Tasks this peer took over from a peer whose lease expired."""
    succeeded: int = 0
    failed: int = 0
    retried: int = 0
    refused: int = 0
    """Completions the board fenced off (this peer had lost the lease)."""
    lost: int = 0
    """Leases this peer found lost at renewal; their handlers were stopped."""
    released: int = 0
    renewals: int = 0
