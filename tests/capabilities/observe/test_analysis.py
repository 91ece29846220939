"""Limits from the config and the failure streak: pure logic."""

from __future__ import annotations

import time

from capabilities.config import OrchestraConfig
from capabilities.observe import Analysis, Check, Limits, Streak


def analysis(ok: bool) -> Analysis:
    return Analysis("v", time.time(), (Check("error_rate", ok, 10.0 if not ok else 0.0, 5.0, "%"),), 10)


def test_limits_take_the_stricter_error_rate_and_the_alerts() -> None:
    config = OrchestraConfig.model_validate(
        {
            "rollback": {"threshold": {"errors": "5%", "memory_mb": 256, "duration": "30s"}},
            "observability": {
                "interval": "2s",
                "failure_limit": 4,
                "alerts": {"latency": {"threshold_ms": 300}, "error_rate": {"threshold": "2%"}},
            },
        }
    )
    limits = Limits.from_config(config)
    assert (limits.error_rate_pct, limits.latency_p95_ms, limits.memory_mb) == (2.0, 300, 256)
    assert (limits.interval_s, limits.failure_limit, limits.duration_s, limits.cpu_pct) == (2, 4, 30, 90)
    assert Limits.from_config(config, interval_s=0.5).interval_s == 0.5


def test_consecutive_failures_abort_at_the_limit_and_a_pass_resets() -> None:
    limits = Limits(5, None, None, None, None, interval_s=1, failure_limit=3)
    streak = Streak(limits)
    assert [streak.add(analysis(ok)) for ok in (False, False, True, False, False)] == [False] * 5
    assert streak.add(analysis(False)) is True


def test_a_breach_must_last_the_configured_duration() -> None:
    limits = Limits(5, None, None, None, 60, interval_s=1, failure_limit=1)
    streak = Streak(limits)
    assert streak.add(analysis(False)) is False  # over the limit count, but not for a minute yet
    streak.since = time.monotonic() - 61
    assert streak.add(analysis(False)) is True


def test_checks_describe_themselves() -> None:
    failed = analysis(False)
    assert not failed.ok and failed.describe() == "error_rate 10% > 5%"
    assert failed.metrics() == {"error_rate": {"value": 10.0, "limit": 5.0, "ok": False}}
