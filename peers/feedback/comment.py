"""The one pull-request comment: "Safe to merge and deploy", or the failures.

The body starts with a hidden marker, which is how the comment is found again on later pushes,
and ends with the run it describes (hidden too), so an older run finishing late never
overwrites what a newer push reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from blackboard import Artifact, Run, RunStatus, Task
from capabilities.report import build_report, render_markdown

MARKER = "<!-- devops-orchestra -->"
MAX_BODY = 60_000
"""GitHub refuses a comment over 65,536 characters; the report is cut to stay under it."""
MAX_ERRORS = 8
"""Failures shown with their error output; further ones get their one-line summary."""
SAFE = "✅ Safe to merge and deploy"
_STATE = re.compile(r"<!-- devops-orchestra:run (\{[^<>]*\}) -->")


@dataclass(frozen=True, slots=True)
class Reported:
    """The run a comment describes."""

    run: str
    created_ms: int
    commit: str
    final: bool
    seq: int = 0
    """Creation order within the run's partition: tells apart runs made in the same millisecond."""

    def newer_than(self, run: Run) -> bool:
        return (self.created_ms, self.seq) > (run.created_ms, run.seq)


def is_ours(body: str) -> bool:
    return body.lstrip().startswith(MARKER)


def reported(body: str) -> Reported | None:
    match = _STATE.search(body)
    if match is None:
        return None
    try:
        raw = json.loads(match[1])
        return Reported(
            str(raw["run"]),
            int(raw["created_ms"]),
            str(raw["commit"]),
            bool(raw["final"]),
            int(raw.get("seq", 0)),
        )
    except (ValueError, KeyError, TypeError):
        return None


def _state_line(run: Run) -> str:
    state = {
        "run": run.id,
        "created_ms": run.created_ms,
        "seq": run.seq,
        "commit": run.meta.commit,
        "final": run.finished,
    }
    return f"<!-- devops-orchestra:run {json.dumps(state, separators=(',', ':'))} -->"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fence(text: str) -> str:
    """A code block that the text cannot close early."""
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}\n{text.strip()}\n{ticks}"


def render_comment(
    run: Run, tasks: Sequence[Task], artifacts: Sequence[Artifact], run_url: str | None = None
) -> str:
    """The comment for ``run``: running, safe, failed or cancelled, then the full report folded."""
    sha = (run.meta.commit or "-")[:12]
    link = f" · [run `{run.id}`]({run_url})" if run_url else f" · run `{run.id}`"
    report = build_report(run, tasks, artifacts)
    failed = [t for t in report["tasks"] if t["state"] == "failed"]
    skipped = [t for t in report["tasks"] if t["state"] == "skipped"]
    lines = [MARKER]
    if not run.finished:
        lines += [f"### 🔄 Checking `{sha}`…", "", f"DevOps Orchestra is running the checks{link}."]
    elif run.status is RunStatus.SUCCEEDED and not failed:
        passed = sum(1 for t in report["tasks"] if t["state"] == "succeeded")
        lines += [f"### {SAFE}", "", f"All {passed} checks passed on `{sha}`{link}."]
    elif run.status is RunStatus.CANCELLED:
        lines += ["### 🚫 Not checked: the run was cancelled", "", f"On `{sha}`{link}. {run.reason}".rstrip()]
    else:
        lines += [
            f"### ❌ Not safe to merge: {len(failed)} check(s) failed",
            "",
            f"On `{sha}`{link}.",
        ]
        size = 0
        for i, t in enumerate(failed):
            if size > MAX_BODY // 2:
                lines += ["", f"… and {len(failed) - i} more (see the report below)."]
                break
            summary = _one_line(t["summary"])
            shown = ["", f"**`{t['id']}`** ({t['capability']}, attempt {t['attempt']}): {summary}"]
            if i < MAX_ERRORS and t["error"].strip() and t["error"].strip() != t["summary"].strip():
                shown += ["", _fence(t["error"][-2500:])]
            lines += shown
            size += sum(len(x) + 1 for x in shown)
        if skipped:
            lines += ["", "Not run because of these: " + ", ".join(f"`{t['id']}`" for t in skipped) + "."]
    details = render_markdown(report)
    head = "\n".join(lines)
    room = MAX_BODY - len(head) - 200
    if len(details) > room:
        details = details[: max(room, 0)] + "\n\n… (cut; the whole report is the run's report.md)\n"
    body = [
        head,
        "",
        "<details><summary>Run report</summary>",
        "",
        details,
        "</details>",
        "",
        _state_line(run),
    ]
    return "\n".join(body) + "\n"
