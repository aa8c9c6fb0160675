"""The person's review of a chargeback: what they are asked, bound to the recommended action.

Approving carries out the recommendation; rejecting carries out the other action (there are only
two, and the deadline forces one). The request is bound to the dispute and its amount.
"""

from __future__ import annotations

from pydantic import BaseModel

from activities.dispute_models import ChargebackEvidence, DisputeInfo
from activities.models import ApprovalNotice, ApprovalRequestRecord, CustomerContext
from policies.chargeback import ChargebackPolicy, Deadlines, Recommendation, opposite
from workflows.case.contract import PendingApproval
from workflows.chargeback.contract import chargeback_ticket_id

REQUESTED_BY = "stripe"


class ReviewRequest(BaseModel):
    pending: PendingApproval
    notice: ApprovalNotice
    record: ApprovalRequestRecord


def review_request(
    *,
    workflow_id: str,
    request_id: str,
    dispute: DisputeInfo,
    evidence: ChargebackEvidence,
    customer: CustomerContext | None,
    policy: ChargebackPolicy,
    policy_version: str,
    recommendation: Recommendation,
    deadlines: Deadlines,
    default_action: str,
) -> ReviewRequest:
    level = policy.review
    action = recommendation.action
    pending = PendingApproval(
        request_id=request_id,
        level=level.name,
        amount_cents=dispute.amount_cents,
        currency=dispute.currency,
        charge_id=dispute.charge_id,
        required_approvals=level.required_approvals,
        approvers=[a.id for a in level.approvers],
        requested_by=REQUESTED_BY,
        rule=recommendation.rule,
        reason=recommendation.reason,
        expires_at=deadlines.decide_by,
    )
    due = f"{dispute.due_by:%Y-%m-%d %H:%M} UTC" if dispute.due_by else "unknown"
    notice = ApprovalNotice(
        ticket_id=chargeback_ticket_id(dispute.dispute_id),
        workflow_id=workflow_id,
        request_id=request_id,
        level=level.name,
        channel=level.slack_channel,
        approver_slack_ids=[a.slack_user_id for a in level.approvers if a.slack_user_id],
        approver_user_group=level.slack_user_group,
        customer_id=customer.customer_id if customer else (evidence.customer_id or "unknown"),
        customer_name=customer.name if customer else "unknown customer",
        customer_tier=customer.tier if customer else "unknown",
        subject=f"Chargeback {dispute.dispute_id} ({dispute.reason})",
        action=f"{action} the chargeback",
        target=dispute.dispute_id,
        lines=[
            f"Evidence due by {due}; if nobody decides by "
            f"{deadlines.decide_by:%Y-%m-%d %H:%M} UTC the policy will {default_action}.",
            f"Approve = {action}; Reject = {opposite(action)}.",
            "Evidence gathered: " + (", ".join(sorted(evidence.fields)) or "none"),
        ],
        order_id=evidence.order_id,
        amount_cents=dispute.amount_cents,
        currency=dispute.currency,
        rule=recommendation.rule,
        reason=recommendation.reason,
        recommended_action=f"{action} the chargeback",
        recent_refunds=customer.recent_refunds if customer else [],
        required_approvals=level.required_approvals,
        expires_at=deadlines.decide_by,
    )
    record = ApprovalRequestRecord(
        ticket_id=chargeback_ticket_id(dispute.dispute_id),
        workflow_id=workflow_id,
        request_id=request_id,
        level=level.name,
        amount_cents=dispute.amount_cents,
        currency=dispute.currency,
        required_approvals=level.required_approvals,
        approvers=pending.approvers,
        requested_by=REQUESTED_BY,
        rule=recommendation.rule,
        reason=recommendation.reason,
        expires_at=deadlines.decide_by,
        policy_version=policy_version,
    )
    return ReviewRequest(pending=pending, notice=notice, record=record)


def chosen_action(status: str, recommended: str, default: str) -> tuple[str, str]:
    """(action, who chose it) once the review settled."""
    if status == "approved":
        return recommended, "reviewer"
    if status == "rejected":
        return ("accept" if recommended == "contest" else "contest"), "reviewer"
    return default, "policy default"
