"""What engineers see of a refund case in the Temporal UI: current details and search attributes."""

from __future__ import annotations

from typing import Any

from temporalio.common import SearchAttributeUpdate

from activities.models import CaseState
from workflows.refund.contract import RefundStatus
from workflows.search_attributes import AMOUNT_CENTS, CASE_STATE, CUSTOMER_ID, PROCESS


def refund_search_attributes(
    status: RefundStatus, customer_id: str, state: CaseState
) -> list[SearchAttributeUpdate[Any]] | None:
    """None while evaluating: the first upsert waits until the policy has spoken (stored
    histories have it in that place)."""
    if state == "evaluating":
        return None
    updates: list[SearchAttributeUpdate[Any]] = [
        CASE_STATE.value_set(state),
        PROCESS.value_set("refund"),
        CUSTOMER_ID.value_set(customer_id),
    ]
    if status.amount_cents is not None:
        updates.append(AMOUNT_CENTS.value_set(status.amount_cents))
    return updates


def refund_details(s: RefundStatus) -> str:
    lines = [f"**Refund case** · ticket `{s.ticket_id}` · **{s.state.replace('_', ' ')}**"]
    if s.amount_cents is not None and s.currency:
        lines.append(f"- Amount: {s.amount_cents / 100:,.2f} {s.currency.upper()}")
    if s.decision_rule:
        lines.append(f"- Policy `{s.policy_version}`: `{s.decision_rule}` — {s.decision_reason}")
    if s.pending_approval and s.state == "awaiting_approval":
        p = s.pending_approval
        lines.append(
            f"- Waiting for {p.level} approval ({len(p.approved_by)}/{p.required_approvals})"
            f" from {', '.join(p.approvers)} until {p.expires_at:%Y-%m-%d %H:%M} UTC"
        )
    if s.refund_id:
        lines.append(f"- Stripe refund: `{s.refund_id}`")
    if s.resolution:
        lines.append(f"- Resolution: {s.resolution}")
    return "\n".join(lines)
