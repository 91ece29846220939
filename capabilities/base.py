"""The shape of a capability: what a peer needs to advertise it and to run its tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from blackboard import Claim

if TYPE_CHECKING:
    from .context import Context


@dataclass(frozen=True, slots=True)
class Availability:
    """Whether this host can run a capability, and why not."""

    ok: bool
    reason: str = ""

    @classmethod
    def yes(cls) -> Availability:
        return cls(True)

    @classmethod
    def no(cls, reason: str) -> Availability:
        return cls(False, reason)


@dataclass(frozen=True, slots=True)
class Result:
    """What a task produced: a one-line summary and JSON-able data, stored on the task."""

    summary: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def encode(self) -> dict[str, Any]:
        return {"summary": self.summary, "data": self.data}


@runtime_checkable
class Capability(Protocol):
    """One kind of work: ``build``, ``deploy``, ...

    ``available`` is called once when a peer starts (in a worker thread; it may probe
    tools). ``run`` gets the claimed task and a Context; it raises ``TaskFailed`` for an
    expected failure, anything else fails the task with its traceback.
    """

    name: str

    def available(self) -> Availability: ...

    async def run(self, task: Claim, ctx: Context) -> Result: ...
