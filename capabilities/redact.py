"""Keep secrets out of logs, artifacts, events, spans and chat messages.

Values of the environment variables the config names as secrets, and strings that look like
well-known credentials, are replaced by ``***``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

_PATTERNS = [
    re.compile(r"AKIA[0-9A-Z]{16}"),  # AWS access key id
    re.compile(r"(?i)aws.{0,20}secret.{0,20}['\"][0-9a-zA-Z/+]{40}['\"]"),
    re.compile(r"gh[pousr]_[A-Za-z0-9]{36,}"),  # GitHub tokens
    re.compile(r"github_pat_[A-Za-z0-9_]{50,}"),
    re.compile(r"xox[abposr]-[A-Za-z0-9-]{10,}"),  # Slack tokens
    re.compile(r"sk-[A-Za-z0-9]{32,}"),  # OpenAI-style keys
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"(?i)(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),  # user:password@ in URLs
]

MASK = "***"


class Redactor:
    def __init__(self, secret_names: Iterable[str] = (), env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        values = {env[n] for n in secret_names if env.get(n) and len(env[n]) >= 4}
        self._values = sorted(values, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for value in self._values:
            text = text.replace(value, MASK)
        for pattern in _PATTERNS:
            text = pattern.sub(MASK, text)
        return text


def redact(text: str, secret_names: Iterable[str] = ()) -> str:
    return Redactor(secret_names)(text)
