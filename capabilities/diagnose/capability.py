"""The ``diagnose`` capability: explain a failed stage from its log and propose fixes.

1. the rules (``rules.py``) recognise known failures exactly; their fixes are what the retry
   applies (``capabilities.heal``), never anything the model writes;
2. retrieval ranks the knowledge base's incidents for the log (``retrieval.py``);
3. the LLM explains the failure citing one of the retrieved incidents (the template cites the
   best one), and the result and ``diagnose/<failed>.md`` say which backend answered and whether
   the model's answer was used.
"""

from __future__ import annotations

import logging
import re

from blackboard import Claim

from ..base import Availability, Result
from ..context import Context
from ..errors import TaskFailed
from ..llm import Generation, stage_llm
from ..llm.schemas import Candidate, DiagnoseRequest, Diagnosis
from ..llm.schemas.diagnose import MAX_LOG
from ..llm.uses import explain_failure
from ..redact import Redactor
from .retrieval import Hit, knowledge_base
from .rules import Match, recognise

log = logging.getLogger(__name__)

CANDIDATES = 3
CONFIDENT = 0.5
"""Incidents scoring below this share of the best one's score are not offered to the model."""
MIN_SCORE = 8.0
"""An incident no signature matched is offered only from this BM25 score on."""


def candidates(hits: list[Hit], matches: list[Match]) -> list[Hit]:
    """The hits worth citing: an incident a rule recognised first, then those close to the best."""
    ruled = {m.rule for m in matches}
    worth = [h for h in hits if h.signatures or h.score >= MIN_SCORE]
    ordered = sorted(worth, key=lambda h: (h.incident.rule not in ruled or not h.signatures, -h.score))
    if not ordered:
        return []
    best = ordered[0].score
    return [h for h in ordered if h is ordered[0] or h.score >= CONFIDENT * best][:CANDIDATES]


def report_name(failed: str) -> str:
    """``diagnose/build-backend.md``: the artifact that explains ``failed`` (``build:backend``)."""
    return f"diagnose/{re.sub(r'[^A-Za-z0-9._-]+', '-', failed).strip('.-') or 'task'}.md"


class Diagnose:
    name = "diagnose"

    def available(self) -> Availability:
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        failed = str(task.inputs.get("failed", ""))
        stage = str(task.inputs.get("stage") or failed.split(":", 1)[0])
        service = str(task.inputs.get("service", ""))
        try:
            config = await ctx.config()
        except TaskFailed:
            config = None
        secrets = config.secrets.keys if config else []
        text = Redactor(secrets)(str(task.inputs.get("error", "")))
        matches = recognise(text)
        fixes = [fix for m in matches for fix in m.fixes]
        hits = candidates(knowledge_base().search(text, stage=stage, limit=CANDIDATES + 2), matches)
        llm, note = stage_llm(config.ai if config else None, cache=ctx.cache, secrets=secrets)
        request = DiagnoseRequest(
            stage=stage,
            failed=failed,
            service=service,
            log=text[-MAX_LOG:],
            candidates=[_candidate(h) for h in hits],
            recognised=[m.title for m in matches],
        )
        generation = await explain_failure(llm, request)
        diagnosis = generation.value
        cited = next((h for h in hits if h.incident.id == diagnosis.incident), None)
        if cited:
            summary = f"{failed}: {cited.incident.title} ({cited.incident.id})"
        elif matches:
            summary = f"{failed}: {matches[0].title}"
        else:
            summary = f"{failed}: no known cause; retrying as is"
        await ctx.put_artifact(
            report_name(failed),
            _markdown(failed, diagnosis, generation, hits, matches, note),
            content_type="text/markdown",
            meta=generation.meta(),
        )
        return Result(
            summary,
            {
                "failed": failed or None,
                "incidents": [{"rule": m.rule, "title": m.title, "evidence": m.evidence} for m in matches],
                "knowledge": [
                    {
                        "id": h.incident.id,
                        "title": h.incident.title,
                        "score": h.score,
                        "fix": h.incident.fix_id,
                        "evidence": list(h.evidence),
                    }
                    for h in hits
                ],
                "diagnosis": {
                    **diagnosis.model_dump(),
                    **generation.meta(),
                    **({"note": note} if note else {}),
                },
                "fixes": fixes,
            },
        )


def _candidate(hit: Hit) -> Candidate:
    incident = hit.incident
    return Candidate(
        id=incident.id,
        title=incident.title,
        cause=incident.cause[:1200],
        fix=incident.fix[:1200],
        score=hit.score,
        evidence=list(hit.evidence),
    )


def _markdown(
    failed: str,
    diagnosis: Diagnosis,
    generation: Generation[Diagnosis],
    hits: list[Hit],
    matches: list[Match],
    note: str | None,
) -> str:
    answered = f"answered by {generation.backend}"
    if generation.fell_back:
        answered += f" after the model's answer was not used ({generation.error})"
    lines = [
        f"# Diagnosis of `{failed}`",
        "",
        diagnosis.explanation,
        "",
        f"**Suggestion:** {diagnosis.suggestion}",
    ]
    if diagnosis.incident:
        lines += ["", f"Known incident cited: `{diagnosis.incident}`."]
    if matches:
        lines += ["", "## Recognised", ""]
        lines += [
            f"- {m.title}: `{m.evidence[:200]}`" + (" (fixed by the retry)" if m.fixes else "")
            for m in matches
        ]
    if hits:
        lines += ["", "## Known incidents retrieved", ""]
        lines += [f"- `{h.incident.id}` {h.incident.title} (score {h.score:g})" for h in hits]
    lines += ["", f"_{answered}{'; ' + note if note else ''}._", ""]
    return "\n".join(lines)
