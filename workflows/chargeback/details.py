"""How a chargeback reads in the Temporal UI: search attributes and current details."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio.common import SearchAttributeUpdate

from activities.models import CaseState
from workflows.chargeback.contract import ChargebackStatus
from workflows.search_attributes import (
    AMOUNT_CENTS,
    CASE_STATE,
    CUSTOMER_ID,
    DISPUTE_ID,
    DISPUTE_REASON,
    EVIDENCE_DUE_BY,
    PROCESS,
)


def chargeback_search_attributes(
    status: ChargebackStatus, state: CaseState
) -> list[SearchAttributeUpdate[Any]]:
    updates: list[SearchAttributeUpdate[Any]] = [
        CASE_STATE.value_set(state),
        PROCESS.value_set("chargeback"),
    ]
    if status.dispute_id:
        updates.append(DISPUTE_ID.value_set(status.dispute_id))
    if status.dispute_reason:
        updates.append(DISPUTE_REASON.value_set(status.dispute_reason))
    if status.due_by is not None:
        updates.append(EVIDENCE_DUE_BY.value_set(status.due_by))
    if status.amount_cents is not None:
        updates.append(AMOUNT_CENTS.value_set(status.amount_cents))
    if status.customer_id:
        updates.append(CUSTOMER_ID.value_set(status.customer_id))
    return updates


def _left(until: datetime, now: datetime) -> str:
    hours = (until - now).total_seconds() / 3600
    if hours <= 0:
        return "passed"
    return f"{hours / 24:.1f} days left" if hours >= 48 else f"{hours:.1f} h left"


def chargeback_details(status: ChargebackStatus, now: datetime) -> str:
    """Markdown: the dispute, the evidence gathered, the recommendation and the time left."""
    amount = (
        f"{status.amount_cents / 100:,.2f} {(status.currency or '').upper()}"
        if status.amount_cents is not None
        else "?"
    )
    lines = [
        f"**Chargeback** `{status.dispute_id}` · {status.dispute_reason or '?'} · {amount} · "
        f"**{status.state.replace('_', ' ')}** (Stripe: {status.dispute_status or '?'})"
    ]
    if status.due_by is not None:
        lines.append(
            f"- Evidence due {status.due_by:%Y-%m-%d %H:%M} UTC ({_left(status.due_by, now)})"
        )
    if status.decide_by is not None and status.action is None:
        lines.append(
            f"- Policy default runs at {status.decide_by:%Y-%m-%d %H:%M} UTC "
            f"({_left(status.decide_by, now)})"
        )
    gathered = ", ".join(status.evidence_fields) or "none"
    lines.append(f"- Evidence gathered: {gathered}")
    if status.order_id:
        lines.append(f"- Order `{status.order_id}` · customer `{status.customer_id}`")
    if status.recommended_action:
        lines.append(
            f"- Recommended: **{status.recommended_action}** ({status.decision_rule}: "
            f"{status.decision_reason})"
        )
    if status.pending_approval is not None and status.action is None:
        pending = status.pending_approval
        lines.append(f"- Waiting for {pending.level}: {', '.join(pending.approvers)}")
    if status.action:
        lines.append(f"- Action: **{status.action}** by {status.action_by}")
    if status.resolution:
        lines.append(f"- Resolution: {status.resolution}")
    return "\n".join(lines)
