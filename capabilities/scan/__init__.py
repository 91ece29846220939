"""The ``scan`` stage: bandit, hadolint, checkov, secret detection and dependency audits, with a
severity gate."""

from ._patterns import preview, scan_line, shannon_entropy
from .capability import Scan, gate_failure
from .secrets import SecretScan, find_secrets

__all__ = ["Scan", "SecretScan", "find_secrets", "gate_failure", "preview", "scan_line", "shannon_entropy"]
