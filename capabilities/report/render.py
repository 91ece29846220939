"""A run's report: JSON for machines, Markdown for people (a PR comment, `.orchestra/runs/`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from blackboard import Artifact, Run, Task, TaskState

_ICON = {
    TaskState.SUCCEEDED: "✅",
    TaskState.FAILED: "❌",
    TaskState.SKIPPED: "⏭️",
    TaskState.CANCELLED: "🚫",
    TaskState.RUNNING: "🔄",
    TaskState.PENDING: "⏳",
    TaskState.BLOCKED: "⏳",
    TaskState.WAITING: "✋",
    TaskState.SUPERSEDED: "🔁",
}


def _duration_s(task: Task) -> float | None:
    if task.started_ms and task.finished_ms:
        return round((task.finished_ms - task.started_ms) / 1000, 3)
    return None


def _summary(task: Task) -> str:
    if task.error:
        lines = [ln for ln in task.error.strip().splitlines() if ln.strip()]
        return lines[-1] if lines else ""
    if isinstance(task.result, dict):
        return str(task.result.get("summary", ""))
    return ""


def build_report(
    run: Run, tasks: Sequence[Task], artifacts: Sequence[Artifact], exclude: str = ""
) -> dict[str, Any]:
    """Everything about a run worth keeping, as JSON-able data (``exclude``: the report task)."""
    shown = [t for t in tasks if t.spec != exclude]
    failed = [t for t in shown if t.state is TaskState.FAILED]
    return {
        "run": {
            "id": run.id,
            "status": run.status.value,
            "trigger": run.meta.trigger,
            "repo": run.meta.repo,
            "commit": run.meta.commit,
            "branch": run.meta.branch,
            "created_ms": run.created_ms,
            "finished_ms": run.finished_ms,
            "duration_s": round((run.finished_ms - run.created_ms) / 1000, 3) if run.finished_ms else None,
        },
        "verdict": "passed" if not failed else "failed",
        "counts": {state.value: sum(1 for t in shown if t.state is state) for state in TaskState},
        "tasks": [
            {
                "id": t.spec,
                "capability": t.capability,
                "state": t.state.value,
                "attempt": t.attempt,
                "owner": t.owner,
                "needs": [n.split(".", 1)[1] for n in t.needs],
                "duration_s": _duration_s(t),
                "summary": _summary(t),
                "error": t.error[-4000:] if t.state in (TaskState.FAILED, TaskState.SUPERSEDED) else "",
                "data": t.result.get("data", {}) if isinstance(t.result, dict) else {},
            }
            for t in shown
        ],
        "healed": _healed(shown),
        "artifacts": [
            {"name": a.name, "size": a.size, "sha256": a.sha256, "task": a.task} for a in artifacts
        ],
    }


def _healed(tasks: Sequence[Task]) -> list[dict[str, Any]]:
    """Each stage that failed and was retried after a diagnosis: the cause, the fix, the outcome."""
    by_spec = {t.spec: t for t in tasks}
    out = []
    for t in tasks:
        if t.state is not TaskState.SUPERSEDED:
            continue
        retry = by_spec.get(f"{t.spec}:retry")
        diagnosis = by_spec.get(f"diagnose:{t.spec}")
        data = diagnosis.result.get("data", {}) if diagnosis and isinstance(diagnosis.result, dict) else {}
        out.append(
            {
                "task": t.spec,
                "failure": _summary(t),
                "diagnosis": _summary(diagnosis) if diagnosis else "",
                "fixes": data.get("fixes", []),
                "retry": retry.spec if retry else "",
                "retry_state": retry.state.value if retry else "",
            }
        )
    return out


def render_markdown(report: dict[str, Any]) -> str:
    run = report["run"]
    failed = [t for t in report["tasks"] if t["state"] == "failed"]
    head = "All stages passed" if report["verdict"] == "passed" else f"{len(failed)} task(s) failed"
    lines = [
        f"# Run `{run['id']}`: {run['status']}",
        "",
        f"**{head}** · {run['trigger']} · branch `{run['branch'] or '-'}` · "
        f"commit `{(run['commit'] or '-')[:12]}`"
        + (f" · {run['duration_s']:.1f}s" if run["duration_s"] is not None else ""),
        "",
        "| task | state | attempt | took | result |",
        "| --- | --- | --- | --- | --- |",
    ]
    for t in report["tasks"]:
        icon = _ICON.get(TaskState(t["state"]), "")
        took = f"{t['duration_s']:.2f}s" if t["duration_s"] is not None else "-"
        summary = t["summary"].replace("|", "\\|")[:160]
        lines.append(f"| `{t['id']}` | {icon} {t['state']} | {t['attempt']} | {took} | {summary} |")
    for h in report.get("healed", []):
        fixes = "; ".join(_fix_text(f) for f in h["fixes"]) or "none known: retried as is"
        lines += [
            "",
            f"## 🔁 `{h['task']}` healed" if h["retry_state"] == "succeeded" else f"## 🔁 `{h['task']}`",
            "",
            f"- failure: {h['failure']}",
            f"- diagnosis: {h['diagnosis']}",
            f"- fix applied: {fixes}",
            f"- retry `{h['retry']}`: {h['retry_state']}",
        ]
    for t in failed:
        lines += ["", f"## ❌ `{t['id']}`", "", "```", t["error"].strip()[-3000:], "```"]
    if report["artifacts"]:
        lines += ["", "## Artifacts", ""]
        lines += [f"- `{a['name']}` ({a['size']} bytes)" for a in report["artifacts"]]
    return "\n".join(lines) + "\n"


def _fix_text(fix: dict[str, Any]) -> str:
    kind = fix.get("kind", "?")
    if kind == "add_requirement":
        return f"added `{fix.get('package')}` to the Python environment"
    if kind == "add_npm_package":
        return f"added `{fix.get('package')}` to the Node dependencies"
    if kind == "free_port":
        return "moved to a free port"
    return str(kind)
