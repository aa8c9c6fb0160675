"""Small builders for CRM test data, so each test states only what it is about."""

from __future__ import annotations

from datetime import datetime, timedelta

from activities.models import (
    ApprovalDecisionRecord,
    ApprovalRequestRecord,
    AuditEntry,
    CaseOutcomeRecord,
    CustomerReply,
    OrderLineInfo,
    RefundResult,
)
from integrations.crm_store import CrmStore, CustomerView, NewOrder, NewPayment

MAYA = CustomerView(id="cus_1", name="Maya Patel", email="maya@example.com", tier="standard")


def add_customer_and_order(
    store: CrmStore, placed_at: datetime, customer: CustomerView = MAYA, order_id: str = "ord_1"
) -> None:
    store.add_customer(customer)
    store.add_order(
        NewOrder(
            order_id=order_id,
            customer_id=customer.id,
            placed_at=placed_at,
            currency="usd",
            total_cents=3400,
            lines=[
                OrderLineInfo(sku="DRIP", title="Dripper", quantity=1, unit_price_cents=2200),
                OrderLineInfo(sku="FILT", title="Filters", quantity=2, unit_price_cents=600),
            ],
            payment=NewPayment(
                charge_id=f"ch_{order_id}",
                payment_intent_id=f"pi_{order_id}",
                amount_cents=3400,
                currency="usd",
            ),
        )
    )


def open_ticket(store: CrmStore, ticket_id: str, customer_id: str = MAYA.id) -> str:
    workflow_id = f"ticket-{ticket_id}"
    store.upsert_ticket(
        ticket_id=ticket_id,
        customer_id=customer_id,
        process="refund",
        workflow_id=workflow_id,
        order_id="ord_1",
        subject="Broken dripper",
        body="It arrived cracked.",
    )
    return workflow_id


def outcome(
    ticket_id: str, at: datetime, refund_id: str | None = "re_1", amount_cents: int = 3400
) -> CaseOutcomeRecord:
    refund = None
    if refund_id is not None:
        refund = RefundResult(
            refund_id=refund_id,
            charge_id="ch_ord_1",
            amount_cents=amount_cents,
            currency="usd",
            status="succeeded",
        )
    return CaseOutcomeRecord(
        ticket_id=ticket_id,
        workflow_id=f"ticket-{ticket_id}",
        customer_id=MAYA.id,
        order_id="ord_1",
        status="resolved" if refund else "denied",
        resolution="Refunded 34.00 USD" if refund else "Outside the refund window",
        policy_version="refund-test@abc",
        refund=refund,
        audit=[
            AuditEntry(actor="policy", action="auto_approved", detail="within limit", at=at),
            AuditEntry(actor="workflow", action="refund_issued", detail="re_1", at=at),
        ],
        reply=CustomerReply(
            subject="Your refund", body="We refunded your order.", citations=[{"id": "kb-1"}]
        ),
    )


def approval_request(
    ticket_id: str, request_id: str, at: datetime, required: int = 1, amount_cents: int = 18000
) -> ApprovalRequestRecord:
    return ApprovalRequestRecord(
        ticket_id=ticket_id,
        workflow_id=f"ticket-{ticket_id}",
        request_id=request_id,
        level="dual" if required == 2 else "single",
        amount_cents=amount_cents,
        currency="usd",
        required_approvals=required,
        approvers=["alice", "carol", "dave"],
        requested_by="customer",
        rule="dual_approval_required" if required == 2 else "single_approval_required",
        reason="Above the auto-approve limit",
        expires_at=at + timedelta(hours=24),
        policy_version="refund-test@abc",
        audit=[AuditEntry(actor="policy", action="approval_requested", at=at)],
    )


def decision(
    ticket_id: str, request_id: str, approver: str, final_status: str, at: datetime
) -> ApprovalDecisionRecord:
    return ApprovalDecisionRecord.model_validate(
        {
            "ticket_id": ticket_id,
            "workflow_id": f"ticket-{ticket_id}",
            "request_id": request_id,
            "approver": approver,
            "decision": "approve",
            "reason": "Looks legitimate",
            "channel": "api",
            "at": at,
            "final_status": final_status,
        }
    )
