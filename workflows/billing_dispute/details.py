"""What engineers see of a billing-dispute case in the Temporal UI: details and search attributes."""

from __future__ import annotations

from typing import Any

from temporalio.common import SearchAttributeUpdate

from activities.models import CaseState
from workflows.billing_dispute.contract import BillingDisputeStatus
from workflows.search_attributes import AMOUNT_CENTS, CASE_STATE, CUSTOMER_ID, PROCESS


def dispute_search_attributes(
    status: BillingDisputeStatus, state: CaseState
) -> list[SearchAttributeUpdate[Any]]:
    updates: list[SearchAttributeUpdate[Any]] = [
        CASE_STATE.value_set(state),
        PROCESS.value_set("billing_dispute"),
    ]
    if status.customer_id:
        updates.append(CUSTOMER_ID.value_set(status.customer_id))
    if status.amount_cents is not None:
        updates.append(AMOUNT_CENTS.value_set(status.amount_cents))
    return updates


def dispute_details(s: BillingDisputeStatus) -> str:
    lines = [f"**Billing dispute** · ticket `{s.ticket_id}` · **{s.state.replace('_', ' ')}**"]
    if s.charges_reviewed is not None:
        lines.append(f"- Charges reviewed: {s.charges_reviewed}")
    for finding in s.findings:
        lines.append(
            f"- `{finding.kind}` on `{finding.charge_id}`: "
            f"{finding.excess_cents / 100:,.2f} {finding.currency.upper()}"
        )
    if s.decision_rule:
        lines.append(f"- Policy `{s.policy_version}`: `{s.decision_rule}` — {s.decision_reason}")
    if s.pending_approval and s.state == "awaiting_approval":
        p = s.pending_approval
        lines.append(
            f"- Waiting for {p.level} approval ({len(p.approved_by)}/{p.required_approvals})"
            f" from {', '.join(p.approvers)} until {p.expires_at:%Y-%m-%d %H:%M} UTC"
        )
    for adjustment in s.adjustments:
        lines.append(f"- Stripe {adjustment.method}: `{adjustment.object_id}`")
    if s.resolution:
        lines.append(f"- Resolution: {s.resolution}")
    return "\n".join(lines)
