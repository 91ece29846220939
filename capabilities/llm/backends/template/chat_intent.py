"""The ``chat_intent`` task without a model: verbs, service names and ids found by rules.

``please ship the frontend hotfix-v2`` -> ``deploy frontend hotfix-v2``: the first verb that
names a command decides it, a word equal to a service name (ignoring ``-`` and ``_``) is the
service, and what follows it (or ``to``/``at``/``from``/``branch``/``tag``/``version``) is the
ref or version. Runs and tasks are recognised by the shape of their ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ...schemas.chat import (
    RUN_PATTERN,
    TASK_PATTERN,
    VERSION_PATTERN,
    ChatIntent,
    ChatRequest,
    IntentCommand,
    valid_ref,
)

VERBS: dict[str, IntentCommand] = {
    **dict.fromkeys(("deploy", "ship", "release", "rollout", "launch", "promote", "publish"), "deploy"),
    **dict.fromkeys(("rollback", "revert", "undo", "restore", "downgrade"), "rollback"),
    **dict.fromkeys(("approve", "approved", "lgtm", "accept", "allow", "greenlight"), "approve"),
    **dict.fromkeys(("reject", "rejected", "deny", "decline", "veto", "refuse"), "reject"),
    **dict.fromkeys(("runs", "history", "recent", "list"), "runs"),
    **dict.fromkeys(("status", "state", "progress", "doing", "going", "happening"), "status"),
    **dict.fromkeys(("help", "usage", "commands", "how-to"), "help"),
}
PHRASES = (("roll back", "rollback"), ("roll out", "rollout"), ("go back", "rollback"), ("ship it", "ship"))
REF_MARKERS = frozenset({"at", "from", "branch", "tag", "ref", "commit", "on"})
VERSION_MARKERS = frozenset({"to", "version", "onto"})
MARKERS = REF_MARKERS | VERSION_MARKERS
STOPWORDS = frozenset(
    {
        "please",
        "pls",
        "the",
        "a",
        "an",
        "of",
        "for",
        "our",
        "my",
        "it",
        "this",
        "that",
        "now",
        "asap",
        "can",
        "could",
        "you",
        "we",
        "me",
        "us",
        "and",
        "service",
        "app",
        "again",
        "today",
        "thanks",
        "thank",
        "kindly",
        "just",
        "latest",
        "new",
        "in",
        "run",
        "task",
        "is",
        "what",
        "with",
        "up",
    }
)
_PUNCT = ".,!?;:'\"`()[]{}<>"


def _version(word: str) -> bool:
    return bool(re.match(VERSION_PATTERN, word))


def _key(name: str) -> str:
    return re.sub(r"[-_]", "", name.lower())


def interpret_chat(variables: Mapping[str, Any]) -> ChatIntent:
    request = ChatRequest.model_validate(dict(variables))
    words = _words(request.text)
    originals = _originals(request.text)
    services = {_key(s): s for s in request.services}

    command: IntentCommand | None = next((VERBS[w] for w in words if w in VERBS), None)
    service_at, service = next(
        ((i, services[_key(w)]) for i, w in enumerate(words) if _key(w) in services), (-1, None)
    )
    run = next((w for w in words if re.match(RUN_PATTERN, w)), None)
    if command is None:
        if run is not None:
            command = "status"
        else:
            return ChatIntent(
                reason="no command recognised: say deploy, rollback, status, runs, approve or reject"
            )
    intent: dict[str, Any] = {"command": command, "service": service}
    if command == "deploy":
        intent["ref"] = _argument(words, originals, service_at, valid_ref, REF_MARKERS) or request.default_ref
    elif command == "rollback":
        intent["version"] = _argument(words, originals, service_at, _version, VERSION_MARKERS)
    elif command in ("approve", "reject"):
        intent["service"] = None
        intent["run"] = run
        intent["task"] = next((w for w in words if ":" in w and w != run and re.match(TASK_PATTERN, w)), None)
    elif command == "status":
        intent["service"] = None
        intent["run"] = run
    else:
        intent["service"] = None
    understood = " ".join(str(v) for k, v in intent.items() if v and k != "command")
    return ChatIntent(**intent, reason=f"understood {command}" + (f": {understood}" if understood else ""))


def _words(text: str) -> list[str]:
    """Lower-cased words without surrounding punctuation; two-word verbs joined."""
    lowered = f" {text.lower()} "
    for phrase, word in PHRASES:
        lowered = lowered.replace(f" {phrase} ", f" {word} ")
    return [t for t in (w.strip(_PUNCT) for w in lowered.split()) if t]


def _originals(text: str) -> dict[str, str]:
    """Lower-cased word -> the word as written (refs are case-sensitive)."""
    out: dict[str, str] = {}
    for word in text.split():
        stripped = word.strip(_PUNCT)
        out.setdefault(stripped.lower(), stripped)
    return out


def _argument(
    words: list[str],
    originals: dict[str, str],
    service_at: int,
    valid: Callable[[str], bool],
    markers: frozenset[str],
) -> str | None:
    """The ref or version: a word after a marker (``to v3``), else the first plain word after the
    service name."""
    for i, word in enumerate(words[:-1]):
        if word in markers and i + 1 != service_at:
            candidate = originals.get(words[i + 1], words[i + 1])
            if words[i + 1] not in STOPWORDS and valid(candidate):
                return candidate
    if service_at < 0:
        return None
    for word in words[service_at + 1 :]:
        if word in STOPWORDS or word in MARKERS or word in VERBS:
            continue
        candidate = originals.get(word, word)
        return candidate if valid(candidate) else None
    return None
