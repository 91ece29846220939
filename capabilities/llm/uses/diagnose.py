"""The ``diagnose`` task's answers: the model's explanation must cite a retrieved incident; the
template's cites the best one with its cause and fix."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .._generation import Generation
from .._llm import LLM
from ..schemas.diagnose import DiagnoseRequest, Diagnosis, diagnosis_schema

__all__ = ["TASK", "explain_failure", "template_diagnosis"]

TASK = "diagnose"


def _sentences(text: str, limit: int = 400) -> str:
    """``text`` on one line, cut at a sentence end within ``limit`` characters where one is."""
    flat = re.sub(r"\s+", " ", re.sub(r"`", "", text)).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    end = max(cut.rfind(". "), cut.rfind("; "))
    return cut[: end + 1] if end > limit // 3 else cut[: limit - 1].rstrip() + "…"


def template_diagnosis(variables: Mapping[str, Any]) -> Diagnosis:
    """The best candidate's cause and fix; or, with none, what to look at."""
    request = DiagnoseRequest.model_validate(variables)
    if not request.candidates:
        return Diagnosis(
            explanation=f"No known incident matches the log of {request.failed}.",
            suggestion="Read the last lines of the log for the first error; the retry runs unchanged.",
        )
    best = request.candidates[0]
    return Diagnosis(
        incident=best.id,
        explanation=_sentences(f"{best.title}: {best.cause}" if best.cause else best.title),
        suggestion=_sentences(best.fix or "See the incident in the knowledge base."),
    )


async def explain_failure(llm: LLM, request: DiagnoseRequest) -> Generation[Diagnosis]:
    """An explanation that cites one of ``request.candidates`` (the schema allows no other)."""
    ids = [c.id for c in request.candidates]
    schema = diagnosis_schema(ids)

    async def cites(answer: Diagnosis) -> str | None:
        if ids and answer.incident not in ids:
            return f"it cites {answer.incident!r}, not one of the retrieved incidents ({', '.join(ids)})"
        return None

    return await llm.generate(TASK, request.model_dump(mode="json"), schema, check=cites)
