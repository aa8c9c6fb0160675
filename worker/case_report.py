"""Plain-text account of a case for people at a terminal (`supportflow status`, `supportflow run`).

Says what happened and why in the support team's words, and when a human is needed, the exact
command that gives the decision (or delivers the customer's reply). A triaged ticket also says
which route triage took and why, and shows the process it started, pending approval included.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from worker.case_status import CaseView
from workflows.case.contract import CaseStatus, PendingApproval
from workflows.ticket.contract import TicketStatus

# How handoff_markdown (integrations/handoff_text.py) starts the note and names the next step.
HANDOFF_HEADING = "## Hand-off: "
NEXT_STEP_PREFIX = "**Recommended next step:** "


def money(cents: int | None, currency: str | None) -> str:
    if cents is None:
        return "-"
    return f"{cents / 100:,.2f} {(currency or '').upper()}".strip()


def next_approver(pending: PendingApproval) -> str | None:
    """Someone who may give the next approval: listed, not the requester, not already counted."""
    for approver in pending.approvers:
        if approver != pending.requested_by and approver not in pending.approved_by:
            return approver
    return None


# Where a person's key file is, when the caller knows (`make run` keeps the demo keys there).
KeyFiles = Mapping[str, Path]


def _as_person(approver: str | None, key_files: KeyFiles | None) -> tuple[str, str]:
    """The prefix and suffix that make a command run as `approver`: decisions are made by
    whoever's key is used, so the command names the key, never a person."""
    path = (key_files or {}).get(approver or "")
    if path is not None:
        try:
            shown = path.resolve().relative_to(Path.cwd())
        except ValueError:
            shown = path
        return "", f" --key-file {shown}"
    return f"SUPPORTFLOW_KEY=<{approver or 'an approver'}'s key> ", ""


def approve_command(
    ticket_id: str, pending: PendingApproval, key_files: KeyFiles | None = None
) -> str:
    prefix, suffix = _as_person(next_approver(pending), key_files)
    return f"{prefix}supportflow approve {ticket_id}{suffix}"


def reject_command(
    ticket_id: str, pending: PendingApproval, key_files: KeyFiles | None = None
) -> str:
    prefix, suffix = _as_person(next_approver(pending), key_files)
    return f'{prefix}supportflow reject {ticket_id}{suffix} --reason "..."'


def reply_command(ticket_id: str, text: str = "...") -> str:
    return f'supportflow reply {ticket_id} --text "{text}"'


def describe_case(view: CaseView, key_files: KeyFiles | None = None) -> list[str]:
    lines = [f"Ticket {view.ticket_id}: {view.state}  (from {view.source.replace('_', ' ')})"]
    if isinstance(view.status, TicketStatus):
        lines += _ticket_lines(view.ticket_id, view.status, view.process_status, key_files)
    elif view.status is not None:
        lines += _live_lines(view.ticket_id, view.status, key_files=key_files)
    elif view.record is not None:
        lines += _record_lines(view.record)
    lines += _undelivered_lines(view)
    lines.append(f"  Temporal UI: {view.temporal_ui_url}")
    return lines


def _undelivered_lines(view: CaseView) -> list[str]:
    """Replies no channel delivered, from the running case's outbox or the closed case's
    record: an operator at a terminal sees them as the API shows them."""
    outbox = view.outbox if view.outbox is not None else (view.record or {}).get("outbox", [])
    return [
        f"  Reply not delivered: {m.get('subject')!r} after {m.get('attempts', 0)} attempt(s): "
        f"{m.get('last_error') or 'no error recorded'}"
        for m in outbox
        if m.get("status") == "failed"
    ]


def _live_lines(
    ticket_id: str, status: CaseStatus, indent: str = "  ", key_files: KeyFiles | None = None
) -> list[str]:
    lines = []
    if status.amount_cents is not None:
        lines.append(f"Amount: {money(status.amount_cents, status.currency)}")
    if status.decision_rule:
        lines.append(f"Policy: {status.decision_rule} ({status.policy_version})")
    if status.decision_reason:
        lines.append(f"Why: {status.decision_reason}")
    pending = status.pending_approval
    if pending is not None and status.state == "awaiting_approval":
        lines += [
            f"Waiting for {pending.level} approval "
            f"({len(pending.approved_by)}/{pending.required_approvals}) of "
            f"{money(pending.amount_cents, pending.currency)}, request {pending.request_id}",
            f"Approvers: {', '.join(pending.approvers)}; expires {pending.expires_at:%Y-%m-%d %H:%M} UTC",
            f"Approve: {approve_command(ticket_id, pending, key_files)}",
            f"Reject:  {reject_command(ticket_id, pending, key_files)}",
        ]
    lines += status.summary_lines()
    if status.resolution:
        lines.append(f"Resolution: {status.resolution}")
    return [indent + line for line in lines]


def _ticket_lines(
    ticket_id: str,
    status: TicketStatus,
    child: CaseStatus | None,
    key_files: KeyFiles | None = None,
) -> list[str]:
    lines = []
    if status.triage is not None:
        t = status.triage
        lines.append(f"  Triage: {t.intent} ({t.confidence:.2f}, {t.engine}): {t.summary}")
    if status.route is not None:
        rule = status.route_decision.rule if status.route_decision else "-"
        lines.append(f"  Route: {status.route} ({rule}, {status.routing_policy_version})")
        lines.append(f"  Why: {status.route_reason}")
    if status.process_workflow_id:
        state = child.state if child is not None else "not answering (starting or finished)"
        lines.append(
            f"  {status.process.capitalize()} process {status.process_workflow_id}: {state}"
        )
        if child is not None:
            lines += _live_lines(ticket_id, child, indent="    ", key_files=key_files)
    if status.answer is not None:
        a = status.answer
        lines.append(
            f"  Answer: {a.delivery} ({a.confidence:.2f}, {a.engine}): {a.delivery_reason}"
        )
        lines += [f"    Source: {c.title} {c.url}" for c in a.citations]
    if status.state == "awaiting_customer":
        asked = status.route_decision.missing if status.route_decision else []
        since = status.awaiting_reply_since
        lines.append(
            f"  Waiting for the customer ({', '.join(asked) or 'more detail'})"
            + (f" since {since:%Y-%m-%d %H:%M} UTC" if since else "")
        )
        lines.append(f"  Reply:   {reply_command(ticket_id)}")
    if status.handoff is not None:
        lines.append(f"  Hand-off: {status.handoff.reason}")
        lines.append(f"    Next step: {status.handoff.recommended_next_step}")
    if status.resolution:
        lines.append(f"  Resolution: {status.resolution}")
    return lines


def _record_lines(record: dict[str, Any]) -> list[str]:
    lines = _routing_lines(record)
    if record.get("resolution"):
        lines.append(f"  Resolution: {record['resolution']}")
    for refund in record.get("refunds") or []:
        lines.append(
            f"  Refund: {refund['refund_id']} {money(refund['amount_cents'], refund['currency'])}"
            f" ({refund['status']})"
        )
    for note in record.get("notes") or []:
        body = str(note.get("body") or "")
        if body.startswith(HANDOFF_HEADING):
            lines.append("  Hand-off package stored on the ticket (CRM note)")
            lines += [
                f"    Next step: {line.removeprefix(NEXT_STEP_PREFIX)}"
                for line in body.splitlines()
                if line.startswith(NEXT_STEP_PREFIX)
            ]
    audit = record.get("audit") or []
    if audit:
        lines.append(f"  Audit trail: {len(audit)} events, last: {audit[-1]['action']}")
    outbox = record.get("outbox") or []
    if outbox:
        lines.append(f"  Reply queued: {outbox[-1]['subject']!r}")
        lines += [
            f"    Source: {c.get('title')} {c.get('url')}"
            for c in outbox[-1].get("citations") or []
        ]
    return lines


def _routing_lines(record: dict[str, Any]) -> list[str]:
    """A closed triaged ticket's route and why, from its audit trail: TicketWorkflow writes one
    `routed:<route>` event (`<rule>: <reason>`) per routing, the last one is what happened."""
    routed = [e for e in record.get("audit") or [] if str(e.get("action")).startswith("routed:")]
    if not routed:
        return []
    route = routed[-1]["action"].removeprefix("routed:")
    rule, _, reason = str(routed[-1].get("detail", "")).partition(": ")
    return [f"  Route: {route} ({rule})", f"  Why: {reason or '-'}"]
