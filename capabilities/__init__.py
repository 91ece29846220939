"""The work: each capability does one stage of delivery with the real tools of its field."""

from .base import Availability, Capability, Result
from .context import Context
from .errors import CapabilityError, NotAvailable, TaskFailed

__all__ = [
    "Availability",
    "Capability",
    "CapabilityError",
    "Context",
    "NotAvailable",
    "Result",
    "TaskFailed",
    "builtin",
]


def builtin() -> list[Capability]:
    """The capabilities this package ships; each decides its own availability."""
    from .analyze import Analyze
    from .diagnose import Diagnose
    from .plan.capability import Plan
    from .provision import Provision
    from .report import Report
    from .scan import Scan
    from .test import Test

    return [Plan(), Report(), Diagnose(), Analyze(), Test(), Scan(), Provision()]
