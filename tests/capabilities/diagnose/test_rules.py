"""Known failures recognised from real-looking logs, with the fix each proposes."""

from __future__ import annotations

import pytest

from capabilities.diagnose import recognise

PY_TRACE = """Traceback (most recent call last):
  File "/srv/app.py", line 3, in <module>
    import requests
ModuleNotFoundError: No module named 'requests'
"""


@pytest.mark.parametrize(
    ("log", "rule", "fix"),
    [
        (
            PY_TRACE,
            "missing-module",
            {"kind": "add_requirement", "package": "requests", "module": "requests"},
        ),
        (
            "ModuleNotFoundError: No module named 'yaml'",
            "missing-module",
            {"kind": "add_requirement", "package": "PyYAML", "module": "yaml"},
        ),
        (
            "ImportError: No module named sklearn.svm",
            "missing-module",
            {"kind": "add_requirement", "package": "scikit-learn", "module": "sklearn"},
        ),
        (
            "Error: Cannot find module 'express'\nRequire stack:\n- /srv/server.js",
            "missing-module",
            {"kind": "add_npm_package", "package": "express"},
        ),
        (
            "Error: Cannot find module '@scope/lib/dist/x.js'",
            "missing-module",
            {"kind": "add_npm_package", "package": "@scope/lib"},
        ),
        ("OSError: [Errno 98] Address already in use", "port-in-use", {"kind": "free_port"}),
        ("Error: listen EADDRINUSE: address already in use :::3000", "port-in-use", {"kind": "free_port"}),
        (
            "Bind for 0.0.0.0:8080 failed: port 8080 is already allocated",
            "port-in-use",
            {"kind": "free_port", "port": 8080},
        ),
    ],
)
def test_known_failures_are_recognised_with_their_fix(log: str, rule: str, fix: dict[str, object]) -> None:
    [match] = recognise(log)
    assert match.rule == rule and match.fixes == [fix]
    assert match.evidence in log


def test_a_relative_require_is_not_a_missing_package() -> None:
    assert recognise("Error: Cannot find module './config'") == []


def test_an_unknown_failure_has_no_rule() -> None:
    assert recognise("AssertionError: expected 200, got 500") == []
