"""``test/<service>/summary.md``: counts, coverage before and after, failures, flaky tests, and
what generation kept and dropped (and why), from the stage's result data."""

from __future__ import annotations

from typing import Any


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")[:200]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def render(data: dict[str, Any]) -> str:
    t = data["tests"]
    cov = data["coverage"]
    lines = [f"## Tests: {data['service']}", ""]
    lines.append(f"`{data['command']}` ({data['runner']})")
    lines += [
        "",
        "| total | passed | failed | errors | skipped | flaky | duration |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines.append(
        f"| {t['total']} | {t['passed']} | {t['failed']} | {t['errors']} | {t['skipped']} "
        f"| {len(data['flaky'])} | {t['duration_s']:.2f}s |"
    )
    threshold = cov.get("threshold")
    lines += ["", f"Coverage ({cov.get('tool') or 'not measured'}): **{_pct(cov.get('percent'))}**"]
    if cov.get("after") is not None:
        lines[-1] += f", before generation {_pct(cov.get('before'))}, after {_pct(cov.get('after'))}"
    if threshold is not None:
        lines[-1] += f" (threshold {threshold:g}%)"
    if data["failures"]:
        lines += ["", "### Failures", ""]
        for f in data["failures"]:
            where = f" ({f['location']})" if f.get("location") else ""
            lines.append(f"- `{f['id']}`{where}: {_cell(f['message'])}")
    if data["flaky"]:
        lines += ["", "### Flaky (failed, then passed on the rerun)", ""]
        lines += [f"- `{f['id']}`: first failure: {_cell(f['message'])}" for f in data["flaky"]]
    gen = data.get("generated")
    if gen:
        fell = " (fell back to the template)" if gen.get("fell_back") else ""
        lines += ["", f"### Generated tests (backend {gen['backend']}{fell})", ""]
        lines.append(f"{len(gen['kept'])} kept, {len(gen['dropped'])} dropped; kept in `{gen['folder']}/`.")
        if gen["kept"]:
            lines += ["", "| kept | target | new lines |", "| --- | --- | --- |"]
            lines += [f"| `{k['file']}` | {_cell(k['target'])} | {k['new_lines']} |" for k in gen["kept"]]
        if gen["dropped"]:
            lines += ["", "| dropped | target | why |", "| --- | --- | --- |"]
            lines += [
                f"| `{d['name']}` | {_cell(d['target'])} | {_cell(d['reason'])} |" for d in gen["dropped"]
            ]
        if gen["skipped"]:
            lines += ["", "Not tested:", ""]
            lines += [f"- `{s['target']}`: {_cell(s['reason'])}" for s in gen["skipped"]]
    if data["notes"]:
        lines += ["", *[f"- {n}" for n in data["notes"]]]
    return "\n".join(lines) + "\n"
