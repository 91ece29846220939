"""Secret detection: what is caught, at which severity, what is left alone, what is shown.

Every secret-shaped literal here is assembled at run time, so this file itself scans clean.
"""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest

from capabilities.analyze import Target
from capabilities.scan import find_secrets, preview, scan_line, shannon_entropy
from capabilities.scan._patterns import looks_random

from .conftest import write_repo

KEY = "AKIA" + "Q7ZX4N2M8P5R3T6W"
GH = "ghp" + "_" + "x9" * 18
PASSWORD = "hunter2" + "-Lm9vQ"  # pragma: allowlist secret


def hits(line: str, bare: bool = False) -> list[tuple[str, str]]:
    return [(h.rule, h.security) for h in scan_line(line, bare)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f'aws_access_key_id = "{KEY}"', [("aws-access-key-id", "critical")]),
        (f"token: {GH}", [("github-token", "critical")]),
        ("-----BEGIN RSA " + "PRIVATE KEY-----", [("private-key", "critical")]),
        ("xox" + "b-1234567890-abcdefghij", [("slack-token", "critical")]),
        (f'password = "{PASSWORD}"', [("hardcoded-secret", "high")]),
        (f'"api_key": "{PASSWORD}"', [("hardcoded-secret", "high")]),
        (f'db_password: str = "{PASSWORD}"', [("hardcoded-secret", "high")]),
        ('password_hash = "' + PASSWORD + '"', []),
        ("secretName: my-tls-secret", []),
        ('api_key = "${API_KEY}"', []),
        ('password = os.environ["DB_PASSWORD"]', []),
        ('password = "changeme123"', []),
        ("AKIA" + "IOSFODNN7EXAMPLE", []),  # AWS's documented example key
    ],
)
def test_known_formats_and_assignments(line: str, expected: list[tuple[str, str]]) -> None:
    assert hits(line) == expected


def test_bare_assignments_only_in_env_like_files() -> None:
    line = f"DB_PASSWORD={PASSWORD}"
    assert hits(line, bare=True) == [("hardcoded-secret", "high")]
    assert hits(line, bare=False) == []


def test_high_entropy_strings_are_medium() -> None:
    rng = random.Random(7)
    token = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(32))
    assert hits(f'signing = "{token}"') == [("high-entropy-string", "medium")]
    assert hits('name = "MyComponentHandlerFactoryBase"') == []  # no digits: an identifier
    assert hits('id = "550e8400-e29b-41d4-a716-446655440000"') == []
    assert shannon_entropy("aaaa") == 0.0
    assert not looks_random("sha512-" + token)


def test_random_keys_are_mostly_caught_at_every_length() -> None:
    rng = random.Random(11)
    alphabet = string.ascii_letters + string.digits + "+/"
    for length in (20, 32, 40):
        caught = sum(looks_random("".join(rng.choice(alphabet) for _ in range(length))) for _ in range(300))
        assert caught / 300 > 0.9, length


def test_previews_never_show_the_secret() -> None:
    assert preview(KEY) == "AKIA…"
    assert preview("abcdef") == "ab…"


def test_files_scan_skips_examples_lockfiles_binaries_and_allowlisted_lines(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            "settings.py": f'KEY = "{KEY}"\nOTHER = "{KEY}"  # pragma: allowlist secret\n',
            ".env.example": f"DB_PASSWORD={PASSWORD}\n",
            "package-lock.json": f'{{"x": "{KEY}"}}\n',
            "config/.env": f"DB_PASSWORD={PASSWORD}\n",
        },
    )
    (tmp_path / "blob.bin").write_bytes(b"\0" + KEY.encode())
    files = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    found = find_secrets(Target(tmp_path, tmp_path, "svc/"), files)
    assert [(f.file, f.line, f.rule) for f in found.findings] == [
        ("svc/config/.env", 1, "hardcoded-secret"),
        ("svc/settings.py", 1, "aws-access-key-id"),
    ]
    assert found.values == {KEY, PASSWORD}
    assert all(KEY not in f.message and PASSWORD not in f.message for f in found.findings)
