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
    from .build import Build
    from .deploy import Deploy
    from .diagnose import Diagnose
    from .observe import Observe
    from .plan.capability import Plan
    from .provision import Provision
    from .report import Report
    from .rollback import Rollback
    from .scan import Scan
    from .test import Test

    return [
        Plan(),
        Report(),
        Diagnose(),
        Analyze(),
        Test(),
        Scan(),
        Build(),
        Provision(),
        Deploy(),
        Observe(),
        Rollback(),
    ]
