"""The blackboard: Redis Streams coordination for leaderless peers. Knows nothing about DevOps."""

from .board import TRANSIENT_ERRORS, Board, connect, open_board
from .cache import Cache
from .errors import (
    ArtifactTooLarge,
    BoardError,
    BoardUnavailable,
    BudgetExceeded,
    Fenced,
    InvalidState,
    NotFound,
    OrchestraError,
    PlanError,
)
from .keys import GROUP, Keys, Partition
from .ledger import Ledger
from .models import (
    Artifact,
    Claim,
    DeadLetter,
    Event,
    Heartbeat,
    PeerInfo,
    PeerStatus,
    Run,
    RunMeta,
    RunStatus,
    Task,
    TaskSpec,
    TaskState,
    check_plan,
)
from .runs import Created
from .settings import BoardSettings
from .tasks import Failure, Outcome, QueueStats, Reaped, Settled, Success

__all__ = [
    "GROUP",
    "TRANSIENT_ERRORS",
    "Artifact",
    "ArtifactTooLarge",
    "Board",
    "BoardError",
    "BoardSettings",
    "BoardUnavailable",
    "BudgetExceeded",
    "Cache",
    "Claim",
    "Created",
    "DeadLetter",
    "Event",
    "Failure",
    "Fenced",
    "Heartbeat",
    "InvalidState",
    "Keys",
    "Ledger",
    "NotFound",
    "OrchestraError",
    "Outcome",
    "Partition",
    "PeerInfo",
    "PeerStatus",
    "PlanError",
    "QueueStats",
    "Reaped",
    "Run",
    "RunMeta",
    "RunStatus",
    "Settled",
    "Success",
    "Task",
    "TaskSpec",
    "TaskState",
    "check_plan",
    "connect",
    "open_board",
]
