"""Advisory review comments on a change, for the analysis report: never a gate.

The change is the run's commit against its first parent (the whole tree for a first commit),
limited to the service's folder. The model answers under :func:`review_schema` (comments only on
files the change touches); the template answers with a few well-known checks of the added lines
(a bare ``except:``, TLS verification turned off, a hard-coded credential, ``print`` in service
code, ...). Whatever goes wrong here is logged and left out of the report; analysis goes on.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...tools import run_tool
from .._generation import Generation
from .._llm import LLM
from ..schemas.review import MAX_DIFF, Review, ReviewComment, ReviewRequest, review_schema

if TYPE_CHECKING:
    from ...context import Context

__all__ = [
    "TASK",
    "Added",
    "ReviewReport",
    "added_lines",
    "review_change",
    "review_markdown",
    "template_review",
]

log = logging.getLogger(__name__)

TASK = "review"
MAX_COMMENTS = 8


@dataclass(frozen=True, slots=True)
class Added:
    file: str
    line: int
    text: str


_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def added_lines(diff: str) -> tuple[list[str], list[Added], int, int]:
    """The files a unified diff touches, its added lines (with their new line numbers), and the
    counts of added and removed lines."""
    files: list[str] = []
    added: list[Added] = []
    plus = minus = 0
    current: str | None = None
    line = 0
    for raw in diff.splitlines():
        if raw.startswith("+++ "):
            path = raw[4:].strip()
            current = None if path == "/dev/null" else path.removeprefix("b/")
            if current and current not in files:
                files.append(current)
        elif raw.startswith("--- ") or raw.startswith("diff --git "):
            continue
        elif m := _HUNK.match(raw):
            line = int(m.group(1))
        elif raw.startswith("+") and current:
            added.append(Added(current, line, raw[1:]))
            plus, line = plus + 1, line + 1
        elif raw.startswith("-") and current is not None:
            minus += 1
        elif raw.startswith(" "):
            line += 1
    return files, added, plus, minus


Applies = Callable[[str], bool]


def _python(path: str) -> bool:
    return path.endswith(".py")


def _python_service(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return _python(path) and not name.startswith("test_") and "/tests/" not in f"/{path}"


def _script(path: str) -> bool:
    return path.endswith((".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs"))


def _code(path: str) -> bool:
    return _python(path) or _script(path)


def _any(path: str) -> bool:
    return True


CHECKS: tuple[tuple[str, Applies, str, str], ...] = (
    (
        r"^\s*except\s*:",
        _python,
        "bug",
        "a bare `except:` also catches SystemExit and KeyboardInterrupt: catch the exceptions you expect",
    ),
    (
        r"except\b[^:]*:\s*pass\b",
        _python,
        "reliability",
        "an exception is silenced: log it, or let it fail the request",
    ),
    (
        r"verify\s*=\s*False|rejectUnauthorized\s*:\s*false|NODE_TLS_REJECT_UNAUTHORIZED",
        _code,
        "security",
        "TLS certificate verification is turned off",
    ),
    (
        r"(?i)\b\w*(password|passwd|secret|api_?key|token)s?\s*[:=]\s*['\"][^'\"\s]{4,}['\"]",
        _code,
        "security",
        "a credential looks hard-coded: read it from the environment (list its name in secrets.keys)",
    ),
    (
        r"shell\s*=\s*True",
        _python,
        "security",
        "`shell=True` runs the command through a shell: pass an argument list",
    ),
    (r"\b(eval|exec)\s*\(", _code, "security", "`eval`/`exec` runs whatever string it is given"),
    (
        r"\bdebug\s*=\s*True\b|^\s*DEBUG\s*=\s*True",
        _python,
        "security",
        "debug mode is on: it must be off in a deployed service",
    ),
    (
        r"^\s*print\(",
        _python_service,
        "style",
        "`print` in service code: use logging, which keeps levels and reaches the collector",
    ),
    (r"\bconsole\.log\(", _script, "style", "`console.log` left in: remove it or use the app's logger"),
    (r"\b(TODO|FIXME|XXX)\b", _any, "docs", "a TODO was added: finish it or track it in an issue"),
)
_COMPILED = tuple((re.compile(p), applies, kind, message) for p, applies, kind, message in CHECKS)


def template_review(variables: Mapping[str, Any]) -> Review:
    """The template's answer: the well-known checks, at most one comment per check and file."""
    request = ReviewRequest.model_validate(variables)
    _, added, _, _ = added_lines(request.diff)
    comments: list[ReviewComment] = []
    seen: set[tuple[str, str]] = set()
    for line in added:
        for pattern, applies, kind, message in _COMPILED:
            if (line.file, message) in seen or not applies(line.file) or not pattern.search(line.text):
                continue
            seen.add((line.file, message))
            comments.append(ReviewComment(file=line.file, line=line.line, kind=kind, message=message))  # type: ignore[arg-type]
    notes = (
        f"{len(comments[:MAX_COMMENTS])} note(s) from the template's checks"
        if comments
        else "nothing to note"
    )
    summary = f"{len(request.files)} file(s) changed (+{request.added} -{request.removed}); {notes}."
    return Review(summary=summary, comments=comments[:MAX_COMMENTS])


async def service_diff(ctx: Context, path: str) -> str:
    """The run's change under ``path``: the commit against its first parent (or the whole tree
    for a first commit), as a unified diff."""
    run = await ctx.run()
    mirror = await ctx.host.workspaces.fetch(run.meta.repo, run.meta.commit)
    git = ["git", "--git-dir", str(mirror)]
    commit, spec = run.meta.commit, path.strip("/") or "."
    parent = await run_tool([*git, "rev-parse", "--verify", "--quiet", f"{commit}^1"], timeout_s=30)
    if parent.ok:
        args = [*git, "diff", "--no-color", "--no-ext-diff", "--unified=3", f"{commit}^1", commit, "--", spec]
    else:
        args = [*git, "show", "--no-color", "--no-ext-diff", "--format=", "--unified=3", commit, "--", spec]
    result = await run_tool(args, timeout_s=60)
    if not result.ok:
        raise RuntimeError(f"git could not diff {commit[:12]}: {result.tail(3)}")
    return result.stdout


def review_request(service: str, diff: str, findings: Sequence[str] = ()) -> ReviewRequest | None:
    """The request for ``diff`` (None when it touches no file)."""
    files, _, plus, minus = added_lines(diff)
    if not files:
        return None
    return ReviewRequest(
        service=service, files=files[:200], diff=diff[:MAX_DIFF], added=plus, removed=minus,
        findings=list(findings)[:20],
    )  # fmt: skip


async def advisory_review(llm: LLM, request: ReviewRequest) -> Generation[Review]:
    return await llm.generate(TASK, request.model_dump(mode="json"), review_schema(request.files))


def review_markdown(generation: Generation[Review]) -> str:
    review = generation.value
    how = f"answered by {generation.backend}" + (
        f"; the model's answer was not used: {generation.error}" if generation.fell_back else ""
    )
    lines = ["", "## Advisory review", "", f"_Advice only, never a gate ({how})._", ""]
    if review.summary:
        lines += [review.summary, ""]
    lines += [
        f"- `{c.file}{':' + str(c.line) if c.line else ''}` **{c.kind}**: {c.message}"
        for c in review.comments
    ]
    return "\n".join(lines).rstrip() + "\n"


@dataclass(frozen=True)
class ReviewReport:
    markdown: str
    data: dict[str, Any]


async def review_change(
    ctx: Context, llm: LLM, service: str, path: str, findings: Sequence[str] = ()
) -> ReviewReport | None:
    """The advisory review of the run's change to ``service`` (None when it changed nothing).
    Raises nothing: a review that cannot be made is logged and left out."""
    try:
        request = review_request(service, await service_diff(ctx, path), findings)
        if request is None:
            return None
        generation = await advisory_review(llm, request)
    except Exception:  # advice must never fail the analysis it accompanies
        log.warning("no advisory review for %s", service, exc_info=True)
        return None
    data = {
        **generation.meta(),
        "summary": generation.value.summary,
        "comments": [c.model_dump() for c in generation.value.comments],
    }
    return ReviewReport(review_markdown(generation), data)
