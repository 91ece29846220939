"""Rollback: traffic back to the last healthy version from the deploy history, the bad version
stopped and marked, a ``rollback`` event with the reason and the metrics."""

from .capability import Rollback
from .errors import RolledBack
from .logic import RollbackOutcome, ensure_running, roll_back

__all__ = ["Rollback", "RollbackOutcome", "RolledBack", "ensure_running", "roll_back"]
