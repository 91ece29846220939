"""What the bot says: a run's first message, one line per notified event, answers to commands.

Everything is rendered from board records; text that came from outside (error summaries, refs,
reasons) is escaped for Slack's mrkdwn and bounded, and secret values never get here (the board
holds none; capabilities redact theirs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from blackboard import Event, PeerStatus, QueueStats, Run, Task, TaskState

from .parse import USAGE

STATE_ICON = {
    TaskState.BLOCKED: ":white_small_square:",
    TaskState.PENDING: ":hourglass_flowing_sand:",
    TaskState.WAITING: ":double_vertical_bar:",
    TaskState.RUNNING: ":arrows_counterclockwise:",
    TaskState.SUCCEEDED: ":white_check_mark:",
    TaskState.FAILED: ":x:",
    TaskState.SKIPPED: ":fast_forward:",
    TaskState.CANCELLED: ":octagonal_sign:",
    TaskState.SUPERSEDED: ":recycle:",
}
RUN_ICON = {"running": ":arrows_counterclockwise:", "succeeded": ":white_check_mark:", "failed": ":x:"}
MAX_TASK_LINES = 40
MAX_TEXT = 2900  # a section block holds at most 3000 characters

APPROVE_ACTION = "orchestra_approve"
REJECT_ACTION = "orchestra_reject"
CONFIRM_ACTION = "orchestra_confirm"
DISMISS_ACTION = "orchestra_dismiss"


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    """The notification text (and the whole message when there are no blocks)."""
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def kwargs(self) -> dict[str, Any]:
        return {"text": self.text, **({"blocks": self.blocks} if self.blocks else {})}


def esc(text: str, limit: int = 500) -> str:
    """Text from outside, safe in mrkdwn: ``&``, ``<`` and ``>`` escaped, bounded in length."""
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def who(actor: str) -> str:
    """``slack:U123`` -> a mention; anyone else (``cli:alice``) as written."""
    if actor.startswith("slack:") and actor[6:].isalnum():
        return f"<@{actor[6:]}>"
    return esc(actor or "someone", 80)


def spec_of(task_id: str) -> str:
    return task_id.split(".", 1)[1] if "." in task_id else task_id


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_TEXT]}}


def title_of(run: Run) -> str:
    """A run's headline from its record: project, what triggered it, on which code."""
    meta = run.meta
    project = meta.labels.get("project") or "run"
    trigger = meta.trigger.removeprefix("chat:").removeprefix("cli:")
    code = " ".join(p for p in (f"`{esc(meta.branch, 100)}`" if meta.branch else "", meta.commit[:7]) if p)
    pr = f" PR #{meta.labels['pr']}" if meta.labels.get("pr") else ""
    return f"*{esc(project, 80)}* {esc(trigger, 40)}{pr}" + (f" of {code}" if code else "")


def head(title: str, run: Run, tasks: Sequence[Task]) -> Message:
    """A run's first message: its headline and live state, updated in place as the run goes."""
    icon = RUN_ICON.get(run.status.value, ":octagonal_sign:")
    done = run.succeeded + run.failed + run.skipped + run.cancelled + run.superseded
    status = f"{icon} {run.status.value} · {done}/{run.total} task(s) done · run `{run.id}`"
    lines = [f"{STATE_ICON[t.state]} `{esc(t.spec, 100)}` {t.state.value}" for t in tasks[:MAX_TASK_LINES]]
    if len(tasks) > MAX_TASK_LINES:
        lines.append(f"… and {len(tasks) - MAX_TASK_LINES} more")
    if run.reason:
        lines.append(f"_{esc(run.reason, 200)}_")
    text = f"{title} — {run.status.value} (run {run.id})"
    blocks = [_section(f"{title}\n{status}")]
    if lines:
        blocks.append(_section("\n".join(lines)))
    return Message(text, blocks)


def event_line(event: Event) -> str | None:
    """The thread reply for an event, or None for events that are never posted."""
    d, spec = event.data, f"`{esc(spec_of(event.task), 100)}`"
    match event.kind:
        case "run.created":
            return f":arrow_forward: run `{event.run}` started ({d.get('total', 0)} task(s))"
        case "run.succeeded":
            return f":white_check_mark: run `{event.run}` succeeded: {d.get('succeeded', 0)} task(s)"
        case "run.failed":
            return (
                f":x: run `{event.run}` failed: {d.get('failed', 0)} failed, "
                f"{d.get('skipped', 0)} skipped, {d.get('succeeded', 0)} succeeded"
            )
        case "run.cancelled":
            return f":octagonal_sign: run `{event.run}` was cancelled"
        case "task.failed":
            return f":x: {spec} failed: {esc(str(d.get('error') or 'no reason given'))}"
        case "task.dead":
            return f":skull: {spec} gave up after {d.get('attempts', '?')} attempt(s)"
        case "approval.requested":
            return f":double_vertical_bar: {spec} waits for an approval"
        case "approval.granted":
            return f":+1: {spec} approved by {who(str(d.get('by', '')))}"
        case "approval.rejected":
            reason = f": {esc(str(d['reason']), 200)}" if d.get("reason") else ""
            return f":-1: {spec} rejected by {who(str(d.get('by', '')))}{reason}"
        case "rollback":
            reason = f": {esc(str(d['reason']), 300)}" if d.get("reason") else ""
            return (
                f":leftwards_arrow_with_hook: *{_field(d, 'service')}* rolled back from "
                f"`{_field(d, 'from')}` to `{_field(d, 'to')}`{reason}"
            )
        case "deploy.promoted":
            url = f" at {esc(str(d['url']), 200)}" if d.get("url") else ""
            return (
                f":rocket: *{esc(str(d.get('service', '?')), 64)}* `{esc(str(d.get('version', '?')), 64)}` "
                f"is live ({esc(str(d.get('strategy', '')), 32)}){url}"
            )
        case "deploy.failed":
            return f":boom: deploy of *{_field(d, 'service')}* failed: {esc(str(d.get('reason', '')))}"
        case "alert":
            return f":rotating_light: *{_field(d, 'service')}* `{_field(d, 'version')}` alerts"
    return None


def _field(data: dict[str, Any], key: str) -> str:
    return esc(str(data.get(key) or "?"), 64)


def approval_request(text: str, task_id: str) -> Message:
    """A thread reply with Approve / Reject buttons; the value is the task's board id."""
    buttons = [
        {
            "type": "button",
            "action_id": APPROVE_ACTION,
            "style": "primary",
            "value": task_id,
            "text": {"type": "plain_text", "text": "Approve"},
        },
        {
            "type": "button",
            "action_id": REJECT_ACTION,
            "style": "danger",
            "value": task_id,
            "text": {"type": "plain_text", "text": "Reject"},
        },
    ]
    return Message(text, [_section(text), {"type": "actions", "block_id": "approval", "elements": buttons}])


def decided(task_id: str, approved: bool, actor: str) -> Message:
    """The approval request once decided: the buttons replaced by who decided what."""
    verb = ":+1: approved" if approved else ":-1: rejected"
    return Message(f"`{esc(spec_of(task_id), 100)}` {verb} by {who(actor)}")


def confirm(question: str, command_text: str) -> Message:
    """An interpreted free-text request, to be confirmed before it runs."""
    buttons = [
        {
            "type": "button",
            "action_id": CONFIRM_ACTION,
            "style": "primary",
            "value": command_text,
            "text": {"type": "plain_text", "text": "Run it"},
        },
        {
            "type": "button",
            "action_id": DISMISS_ACTION,
            "value": "dismiss",
            "text": {"type": "plain_text", "text": "Cancel"},
        },
    ]
    return Message(
        question, [_section(question), {"type": "actions", "block_id": "confirm", "elements": buttons}]
    )


def usage(command: str, error: str = "") -> str:
    lines = [f"{esc(error)}"] if error else []
    lines.append("Commands:")
    lines += [f"• `{command} {esc(u)}`" for u in USAGE.values()]
    lines.append(f"• `{command} {esc('<anything in plain words>')}` — I'll propose a command to confirm")
    return "\n".join(lines)


def refusal(user: str, command: str, slash: str) -> str:
    return (
        f"Sorry <@{user}>, you are not allowed to run `{slash} {command}`. Ask someone who is, or "
        f"ask to be added under `chatops.allow.{command}` in devops_orchestra.yaml."
    )


def runs_list(runs: Sequence[Run]) -> str:
    if not runs:
        return "No runs yet."
    return "\n".join(
        f"{RUN_ICON.get(r.status.value, ':octagonal_sign:')} `{r.id}` {title_of(r)} — {r.status.value}, "
        f"{r.total - r.remaining}/{r.total} done"
        for r in runs
    )


def board_status(stats: Sequence[QueueStats], peers: Sequence[PeerStatus], runs: Sequence[Run]) -> str:
    live = [p for p in peers if p.alive]
    caps = sorted({c for p in live for c in p.info.capabilities})
    queues = ", ".join(
        f"{q.capability} {q.queued} queued/{q.running} running" for q in stats if q.queued or q.running
    )
    running = [r for r in runs if not r.finished]
    return "\n".join(
        [
            f"*{len(live)}* live peer(s)" + (f" serving {', '.join(caps)}" if caps else ""),
            f"Queues: {queues or 'empty'}",
            f"*{len(running)}* run(s) in progress" + (":" if running else ""),
            *(f"• `{r.id}` {title_of(r)}: {r.total - r.remaining}/{r.total} done" for r in running[:10]),
        ]
    )
