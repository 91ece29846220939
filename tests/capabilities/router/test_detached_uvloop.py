"""Detached processes start under uvloop too (the event loop peers and `orchestra run` use)."""

from __future__ import annotations

from pathlib import Path

import pytest

from capabilities.router.procs import alive, spawn_detached, terminate

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> tuple[str, dict[str, bool]]:
    return ("asyncio", {"use_uvloop": True})


async def test_a_detached_process_starts_and_stops_under_uvloop(tmp_path: Path) -> None:
    pid, created = await spawn_detached(
        ["sleep", "30"], cwd=None, env={"PATH": "/usr/bin:/bin"}, log_path=tmp_path / "sleep.log"
    )
    assert alive(pid, created)
    await terminate(pid, created)
    assert not alive(pid, created)
