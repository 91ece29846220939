"""detect() on the sample repository shipped in examples/fullstack."""

from __future__ import annotations

from pathlib import Path

from capabilities.detect import detect

FULLSTACK = Path(__file__).resolve().parents[3] / "examples" / "fullstack"


def test_fullstack_has_a_flask_backend_and_a_node_frontend() -> None:
    stack = detect(FULLSTACK)
    backend, frontend = stack.service("backend"), stack.service("frontend")
    assert (backend.language, backend.framework, backend.path) == ("python", "flask", "backend")
    assert backend.port is not None and backend.start, backend.evidence
    assert (frontend.language, frontend.path) == ("node", "frontend")
    assert stack.monorepo
