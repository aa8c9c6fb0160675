"""Approval notices as the refund workflow builds them, for rendering and posting tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from activities.models import ApprovalNotice, RefundSummary

EXPIRES = datetime(2026, 11, 3, 14, 30, tzinfo=UTC)


def make_notice(**overrides: Any) -> ApprovalNotice:
    fields: dict[str, Any] = dict(
        ticket_id="T-1001",
        workflow_id="ticket-T-1001",
        request_id="req-5b1c",
        level="single",
        channel="C0REFUNDS",
        approver_slack_ids=["U0ALICE", "U0BOB", "U0CAROL"],
        customer_id="cus_42",
        customer_name="Dana Whitfield",
        customer_tier="gold",
        subject="Blender arrived cracked",
        order_id="ord_778",
        amount_cents=12_950,
        currency="usd",
        refundable_cents=15_000,
        rule="single_approval_required",
        reason="129.50 is above the auto-approve limit of 100.00; one approver must agree.",
        recommended_action="Approve a refund of 129.50 USD to the original payment method.",
        recent_refunds=[
            RefundSummary(
                ticket_id="T-0900",
                order_id="ord_600",
                amount_cents=2_000,
                currency="usd",
                created_at=datetime(2026, 10, 2, tzinfo=UTC),
            )
        ],
        required_approvals=1,
        expires_at=EXPIRES,
    )
    fields.update(overrides)
    return ApprovalNotice(**fields)


def dual_notice(**overrides: Any) -> ApprovalNotice:
    base: dict[str, Any] = dict(
        level="dual",
        channel="C0FINANCE",
        approver_slack_ids=["U0ALICE", "U0CAROL", "U0DAVE"],
        amount_cents=72_000,
        refundable_cents=72_000,
        rule="dual_approval_required",
        reason="720.00 is above the single-approver limit of 500.00; 2 different approvers "
        "must agree.",
        required_approvals=2,
    )
    base.update(overrides)
    return make_notice(**base)
