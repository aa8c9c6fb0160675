"""Plain-text account of a case for people at a terminal (`supportflow status`, `supportflow run`).

Says what happened and why in the support team's words, and when a human is needed, the exact
command that gives the decision.
"""

from __future__ import annotations

from typing import Any

from worker.case_status import CaseView
from workflows.models import CaseStatus, PendingApproval


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


def approve_command(ticket_id: str, pending: PendingApproval) -> str:
    approver = next_approver(pending) or "<approver>"
    return f"supportflow approve {ticket_id} --as {approver}"


def describe_case(view: CaseView) -> list[str]:
    lines = [f"Ticket {view.ticket_id}: {view.state}  (from {view.source.replace('_', ' ')})"]
    if view.status is not None:
        lines += _live_lines(view.ticket_id, view.status)
    elif view.record is not None:
        lines += _record_lines(view.record)
    lines.append(f"  Temporal UI: {view.temporal_ui_url}")
    return lines


def _live_lines(ticket_id: str, status: CaseStatus) -> list[str]:
    lines = []
    if status.amount_cents is not None:
        lines.append(f"  Amount: {money(status.amount_cents, status.currency)}")
    if status.decision_rule:
        lines.append(f"  Policy: {status.decision_rule} ({status.policy_version})")
    if status.decision_reason:
        lines.append(f"  Why: {status.decision_reason}")
    pending = status.pending_approval
    if pending is not None and status.state == "awaiting_approval":
        lines += [
            f"  Waiting for {pending.level} approval "
            f"({len(pending.approved_by)}/{pending.required_approvals}) of "
            f"{money(pending.amount_cents, pending.currency)}, request {pending.request_id}",
            f"  Approvers: {', '.join(pending.approvers)}; expires {pending.expires_at:%Y-%m-%d %H:%M} UTC",
            f"  Approve: {approve_command(ticket_id, pending)}",
            f"  Reject:  supportflow reject {ticket_id} --as {next_approver(pending) or '<approver>'}"
            ' --reason "..."',
        ]
    if status.refund_id:
        lines.append(f"  Refund: {status.refund_id}")
    if status.resolution:
        lines.append(f"  Resolution: {status.resolution}")
    return lines


def _record_lines(record: dict[str, Any]) -> list[str]:
    lines = []
    if record.get("resolution"):
        lines.append(f"  Resolution: {record['resolution']}")
    for refund in record.get("refunds") or []:
        lines.append(
            f"  Refund: {refund['refund_id']} {money(refund['amount_cents'], refund['currency'])}"
            f" ({refund['status']})"
        )
    audit = record.get("audit") or []
    if audit:
        lines.append(f"  Audit trail: {len(audit)} events, last: {audit[-1]['action']}")
    outbox = record.get("outbox") or []
    if outbox:
        lines.append(f"  Reply queued: {outbox[-1]['subject']!r}")
    return lines
