"""What a hard-coded secret looks like: well-known key formats, assignments of a literal to a
secret-sounding name, and high-entropy strings. Pure functions over one line of text."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from ..findings import Security


@dataclass(frozen=True, slots=True)
class Hit:
    rule: str
    what: str
    """A description that never contains the value (``AWS access key id``)."""
    value: str
    """The secret itself: used to redact, never written anywhere."""
    column: int
    security: Security


KNOWN_FORMATS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "aws-access-key-id",
        "AWS access key id",
        re.compile(r"(?<![A-Z0-9])((?:AKIA|ASIA)[0-9A-Z]{16})(?![A-Z0-9])"),
    ),
    (
        "aws-secret-access-key",
        "AWS secret access key",
        re.compile(
            r"(?i)aws[\w.-]{0,20}?(?:secret|private)[\w.-]{0,20}?['\"]?\s*[:=]+>?\s*['\"]?"
            r"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"
        ),
    ),
    ("github-token", "GitHub token", re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,255})\b")),
    ("github-token", "GitHub fine-grained token", re.compile(r"\b(github_pat_[A-Za-z0-9_]{50,255})\b")),
    ("slack-token", "Slack token", re.compile(r"\b(xox[abposr]-[A-Za-z0-9-]{10,})")),
    (
        "slack-webhook",
        "Slack webhook URL",
        re.compile(r"(https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+)"),
    ),
    ("private-key", "private key block", re.compile(r"(-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----)")),
    ("stripe-key", "Stripe live key", re.compile(r"\b((?:sk|rk)_live_[A-Za-z0-9]{20,})")),
    ("google-api-key", "Google API key", re.compile(r"\b(AIza[0-9A-Za-z_\-]{35})(?![0-9A-Za-z_\-])")),
    ("openai-key", "OpenAI-style API key", re.compile(r"\b(sk-(?:proj-)?[A-Za-z0-9_-]{32,})")),
)

_NAME = (
    r"[A-Za-z0-9_.\-]*?(?:password|passwd|passphrase|pwd|secret|secret[_-]?key|api[_-]?key|apikey|"
    r"access[_-]?key|auth[_-]?token|access[_-]?token|private[_-]?key|client[_-]?secret|token)"
)
QUOTED_ASSIGNMENT = re.compile(
    r"(?i)(?<![\w-])(?P<name>" + _NAME + r")['\"]?\s*(?::\s*[A-Za-z_][\w\[\]., |]*?\s*)?"
    r"(?::=|=>|==|=|:)\s*(?P<q>['\"])(?P<value>[^'\"\s]{6,})(?P=q)"
)
"""``password = "..."``, ``"api_key": "..."``, ``token: str = '...'``: the name must *end* with
the keyword, so ``password_hash``, ``secretName`` and ``token_url`` are not secrets."""
BARE_ASSIGNMENT = re.compile(
    r"(?i)^\s*(?:export\s+|ENV\s+|ARG\s+)?(?P<name>"
    + _NAME
    + r")\s*[=:]\s*(?P<value>[^\s'\"#{}\[\]]{6,})\s*$"
)
"""``DB_PASSWORD=...`` in .env, ini, properties and YAML files, unquoted."""

_CANDIDATE = re.compile(
    r"(?P<q>['\"`])(?P<value>[A-Za-z0-9+/=_\-]{20,})(?P=q)|[=:]\s*(?P<bare>[A-Za-z0-9+/=_\-]{20,})\s*$"
)
_HEX = frozenset("0123456789abcdefABCDEF")
_PLACEHOLDERS = (
    "${",
    "{{",
    "<",
    ">",
    "%(",
    "%s",
    "xxx",
    "***",
    "...",
    "changeme",
    "change_me",
    "change-me",
    "example",
    "placeholder",
    "dummy",
    "your",
    "redacted",
    "sample",
    "process.env",
    "os.environ",
    "getenv",
)
_WORDS = frozenset({"none", "null", "true", "false", "undefined", "required", "optional", "string"})


def shannon_entropy(text: str) -> float:
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def is_placeholder(value: str, name: str = "") -> bool:
    low = value.lower()
    return (
        any(p in low for p in _PLACEHOLDERS)
        or low in _WORDS
        or low == name.lower()
        or len(set(value)) <= 2
        or value.startswith(("$", "/", "./", "~", "http://", "https://", "file:"))
        or (value.startswith("{") and "}" in value)  # f-string / template interpolation
        or low.strip("_-.") in ("password", "secret", "token", "apikey", "api_key")
    )


def looks_random(value: str) -> bool:
    """High entropy for its alphabet: hex (3.0 bits a char) or base64 (scaled with the length,
    since a short string cannot reach the 4.5 bits of a long random one), with letters and digits
    mixed, as generated keys have and identifiers and words do not."""
    if len(value) < 20 or not any(c.isdigit() for c in value) or not any(c.isalpha() for c in value):
        return False
    if value.startswith(("sha1-", "sha256-", "sha384-", "sha512-")):
        return False  # subresource integrity: a public hash
    if any(run in value for run in ("0123456789", "abcdefgh", "ABCDEFGH")):
        return False  # an alphabet, not a key
    entropy = shannon_entropy(value)
    if set(value) <= _HEX:
        return entropy >= 3.0
    if not (any(c.islower() for c in value) and any(c.isupper() for c in value)):
        return False
    return entropy >= min(4.5, 0.85 * math.log2(min(len(value), 64)))


def scan_line(line: str, bare_assignments: bool) -> Iterator[Hit]:
    """The secrets on one line: known formats (critical), assignments (high), entropy (medium).
    Each value is reported once, under the most specific rule."""
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    for rule, what, pattern in KNOWN_FORMATS:
        for m in pattern.finditer(line):
            value = m.group(1)
            if "example" in value.lower() or not free(m.start(1), m.end(1)):
                continue
            taken.append((m.start(1), m.end(1)))
            yield Hit(rule, what, value, m.start(1) + 1, "critical")
    assignments = [QUOTED_ASSIGNMENT, BARE_ASSIGNMENT] if bare_assignments else [QUOTED_ASSIGNMENT]
    for pattern in assignments:
        for m in pattern.finditer(line):
            value, name = m.group("value"), m.group("name")
            if is_placeholder(value, name) or not free(m.start("value"), m.end("value")):
                continue
            taken.append((m.start("value"), m.end("value")))
            yield Hit(
                "hardcoded-secret", f"literal assigned to `{name}`", value, m.start("value") + 1, "high"
            )
    for m in _CANDIDATE.finditer(line):
        group = "value" if m.group("value") else "bare"
        value = m.group(group)
        if looks_random(value) and not is_placeholder(value) and free(m.start(group), m.end(group)):
            taken.append((m.start(group), m.end(group)))
            yield Hit("high-entropy-string", "high-entropy string", value, m.start(group) + 1, "medium")


def preview(value: str) -> str:
    """What may be shown of a secret: its first few characters (at most 4, a third of it)."""
    return value[: max(1, min(4, len(value) // 3))] + "…"
