"""What a refund approval asks for, and whether the approved refund still holds.

Pure functions over the policy's decision and the facts read from systems of record: the refund
workflow builds the request, the CRM record and the approver's notice from one place, so the
three can never disagree about the amount, the level or the approvers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from activities.models import ApprovalNotice, ApprovalRequestRecord, CustomerContext, OrderInfo
from policies.identity import canonical_person_id
from policies.loader import PolicySnapshot
from policies.refund_policy import RefundDecision, Verdict
from workflows.case.contract import PendingApproval
from workflows.refund.contract import RefundRequest


@dataclass(frozen=True)
class RefundApproval:
    """One approval request: the gate's pending request, its CRM record and the notice."""

    pending: PendingApproval
    remind_at: datetime
    record: ApprovalRequestRecord
    notice: ApprovalNotice


def refund_approval(
    *,
    request: RefundRequest,
    workflow_id: str,
    request_id: str,
    now: datetime,
    snapshot: PolicySnapshot,
    customer: CustomerContext,
    order: OrderInfo,
    decision: RefundDecision,
    currency: str,
) -> RefundApproval:
    policy = snapshot.policy
    level = policy.level(decision.approval_level or policy.single_approval.name)
    expires_at = now + timedelta(hours=policy.approval_expiry_hours)
    pending = PendingApproval(
        request_id=request_id,
        level=level.name,
        amount_cents=decision.amount_cents,
        currency=currency,
        charge_id=order.charge_id or "",
        required_approvals=level.required_approvals,
        approvers=[a.id for a in level.approvers],
        requested_by=canonical_person_id(request.requested_by),
        rule=decision.rule,
        reason=decision.reason,
        expires_at=expires_at,
    )
    record = ApprovalRequestRecord(
        ticket_id=request.ticket_id,
        workflow_id=workflow_id,
        request_id=request_id,
        level=level.name,
        amount_cents=decision.amount_cents,
        currency=currency,
        required_approvals=level.required_approvals,
        approvers=pending.approvers,
        requested_by=pending.requested_by,
        rule=decision.rule,
        reason=decision.reason,
        expires_at=expires_at,
        policy_version=snapshot.version_tag,
        audit=[],
    )
    notice = ApprovalNotice(
        ticket_id=request.ticket_id,
        workflow_id=workflow_id,
        request_id=request_id,
        level=level.name,
        channel=level.slack_channel,
        approver_slack_ids=[a.slack_user_id for a in level.approvers if a.slack_user_id],
        approver_user_group=level.slack_user_group,
        customer_id=customer.customer_id,
        customer_name=customer.name,
        customer_tier=customer.tier,
        subject=request.subject,
        order_id=order.order_id,
        amount_cents=decision.amount_cents,
        currency=currency,
        refundable_cents=decision.refundable_cents,
        rule=decision.rule,
        reason=decision.reason,
        recommended_action=f"Approve a refund of {decision.amount_cents / 100:,.2f} "
        f"{currency.upper()} to the original payment method.",
        recent_refunds=customer.recent_refunds,
        required_approvals=level.required_approvals,
        expires_at=expires_at,
    )
    return RefundApproval(
        pending=pending,
        remind_at=now + timedelta(hours=policy.approval_reminder_after_hours),
        record=record,
        notice=notice,
    )


def approval_no_longer_holds(
    snapshot: PolicySnapshot, approved: RefundDecision, fresh: RefundDecision
) -> str | None:
    """Why the approved refund can no longer follow on fresh facts, or None when it still holds:
    nothing is refundable any more, the amount changed, or the limits now need a higher level."""
    if fresh.verdict is Verdict.DENY:
        return fresh.reason
    if fresh.amount_cents != approved.amount_cents:
        return (
            f"the refundable amount changed from {approved.amount_cents / 100:,.2f} to "
            f"{fresh.amount_cents / 100:,.2f} since the request was posted"
        )
    rank = {
        None: 0,
        snapshot.policy.single_approval.name: 1,
        snapshot.policy.dual_approval.name: 2,
    }
    if rank.get(fresh.approval_level, 3) > rank.get(approved.approval_level, 3):
        return f"the refund now needs {fresh.approval_level} approval: {fresh.reason}"
    return None
