"""How a refund case ends on record: the CRM outcome with its audit and the customer's reply,
and the outcome the workflow returns."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.crm import CrmActivities
    from activities.models import (
        AuditEntry,
        CaseOutcomeRecord,
        CaseState,
        CustomerContext,
        RefundResult,
    )
    from workflows.case.options import RECORD_OPTIONS
    from workflows.refund import replies
    from workflows.refund.contract import RefundOutcome, RefundRequest


async def record_refund_outcome(
    request: RefundRequest,
    *,
    state: CaseState,
    resolution: str,
    policy_version: str | None,
    customer: CustomerContext | None,
    audit: list[AuditEntry],
    reply_kind: str,
    refund: RefundResult | None = None,
    reviewer_reason: str | None = None,
) -> RefundOutcome:
    reply = replies.with_card_notice(
        replies.reply_for(
            reply_kind,
            request.ticket_id,
            customer.name if customer else None,
            resolution,
            refund,
            reviewer_reason,
        ),
        request.card_data_removed,
    )
    await workflow.execute_activity_method(
        CrmActivities.record_case_outcome,
        CaseOutcomeRecord(
            ticket_id=request.ticket_id,
            workflow_id=workflow.info().workflow_id,
            customer_id=customer.customer_id if customer else None,
            order_id=request.order_id,
            status=state,
            resolution=resolution,
            policy_version=policy_version,
            refund=refund,
            audit=audit,
            reply=reply,
        ),
        summary=f"Record outcome: {state}",
        **RECORD_OPTIONS,
    )
    return RefundOutcome(
        ticket_id=request.ticket_id,
        state=state,
        resolution=resolution,
        refund_id=refund.refund_id if refund else None,
        amount_cents=refund.amount_cents if refund else None,
        policy_version=policy_version,
    )
