"""How a billing-dispute case ends on record: the CRM outcome with its audit, the first refund
as the case's refund row, one row per adjustment (so every process's limits count them), and
the customer's reply."""

from __future__ import annotations

from collections.abc import Sequence

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.crm import CrmActivities
    from activities.models import (
        AdjustmentRecord,
        AuditEntry,
        CaseOutcomeRecord,
        CaseState,
        CustomerContext,
        CustomerReply,
        RefundResult,
    )
    from workflows.billing_dispute.contract import Adjustment, BillingDisputeRequest
    from workflows.case.options import RECORD_OPTIONS


async def record_dispute_outcome(
    request: BillingDisputeRequest,
    *,
    state: CaseState,
    resolution: str,
    policy_version: str | None,
    customer: CustomerContext | None,
    audit: list[AuditEntry],
    reply: CustomerReply | None,
    made: Sequence[Adjustment],
) -> None:
    refund = next((a for a in made if a.method == "refund"), None)
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
            refund=RefundResult(
                refund_id=refund.object_id,
                charge_id=refund.charge_id,
                amount_cents=refund.amount_cents,
                currency=refund.currency,
                status="succeeded",
                found_existing=refund.found_existing,
            )
            if refund
            else None,
            audit=audit,
            reply=reply,
            adjustments=[
                AdjustmentRecord(
                    method=a.method,
                    object_id=a.object_id,
                    charge_id=a.charge_id,
                    order_id=a.order_id,
                    amount_cents=a.amount_cents,
                    currency=a.currency,
                )
                for a in made
            ],
        ),
        summary=f"Record outcome: {state}",
        **RECORD_OPTIONS,
    )


def listed(made: Sequence[Adjustment]) -> str:
    """The adjustments made, as the resolution and audit say them."""
    return ", ".join(
        f"{a.method} {a.object_id} of {a.amount_cents / 100:,.2f} {a.currency.upper()}"
        for a in made
    )
