"""``pipeline.retry_on_failure``: run the failed tests once more; those that pass now are flaky.

A flaky test does not fail the stage, but the result and the summary name it, with the
message of its first failure, so it gets fixed rather than forgotten.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from .model import CaseResult, Suite, TestReport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Retry:
    report: TestReport
    """The first run's report with the flaky tests counted as passed."""
    flaky: list[CaseResult] = field(default_factory=list)
    """Failed, then passed on the rerun (with the first failure's message)."""
    rerun: bool = False
    note: str | None = None


async def retry_failed(suite: Suite, first: TestReport) -> Retry:
    failed = first.failures
    if not failed:
        return Retry(first)
    again = await suite.rerun(failed)
    if again is None:
        return Retry(first, note=f"{suite.runner} could not rerun only the failed tests")
    passed_now = {c.id for c in again.cases if c.outcome == "passed"}
    failing_now = {c.id for c in again.failures}
    flaky = [c for c in failed if c.id in passed_now and c.id not in failing_now]
    log.info("rerun of %d failed test(s): %d flaky", len(failed), len(flaky))
    flaky_ids = {c.id for c in flaky}
    cases = tuple(replace(c, outcome="passed") if c.id in flaky_ids else c for c in first.cases)
    return Retry(TestReport(cases, first.duration_s + again.duration_s), flaky, rerun=True)
