"""The one step of a refund case that moves money."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.billing import BillingActivities
    from activities.models import IssueRefundInput, OrderInfo, RefundResult
    from policies.refund_policy import RefundDecision, RefundPolicy
    from workflows.case.options import MONEY_OPTIONS
    from workflows.refund.contract import RefundRequest
    from workflows.refund.system_of_record import refund_in_shopify, refunded_in_shopify


async def issue_refund(
    request: RefundRequest,
    decision: RefundDecision,
    order: OrderInfo,
    currency: str,
    approval_id: str | None,
    policy: RefundPolicy | None = None,
) -> RefundResult:
    """Refunds the decided amount on the order's charge, once: the key is bound to the case and
    the step, never the attempt, so a retry (or a request that lands late) finds the first
    refund instead of making a second. Shopify's orders are refunded in Shopify, the same way."""
    if refunded_in_shopify(order):
        return await refund_in_shopify(request, decision, order, currency, approval_id, policy)
    assert order.charge_id is not None
    workflow_id = workflow.info().workflow_id
    return await workflow.execute_activity_method(
        BillingActivities.issue_refund,
        IssueRefundInput(
            idempotency_key=f"{workflow_id}:refund",
            charge_id=order.charge_id,
            amount_cents=decision.amount_cents,
            currency=currency,
            ticket_id=request.ticket_id,
            workflow_id=workflow_id,
            approval_request_id=approval_id,
        ),
        summary=f"Refund {decision.amount_cents} cents on {order.charge_id}",
        **MONEY_OPTIONS,
    )
