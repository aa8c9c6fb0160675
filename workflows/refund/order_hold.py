"""The refund case's hold on its order: one money case per order at a time."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.models import ChargeState, CustomerContext, OrderInfo
    from policies.loader import PolicySnapshot
    from workflows.case.failures import CaseStop
    from workflows.case.money_hold import MoneyHold, OrderTaken
    from workflows.case.record import CaseRecord
    from workflows.refund.contract import RefundRequest

# A hold outlives any live case (approval expiry plus the money step's two-day retry bound), so
# only a case that was terminated without releasing it is ever taken over.
HOLD_MARGIN_HOURS = 72


async def hold_order(
    hold: MoneyHold,
    record: CaseRecord,
    request: RefundRequest,
    snapshot: PolicySnapshot,
    customer: CustomerContext,
    order: OrderInfo,
    charge: ChargeState,
) -> None:
    """Takes (or renews) the order's money hold; another case holding it stops this one. The
    hold also reads what other cases moved on the order since the charge's `refunds_since`
    that the charge does not show (a billing dispute's credit): the refund limits count it."""
    amount = request.requested_amount_cents or max(
        charge.amount_cents - charge.amount_refunded_cents, 0
    )
    try:
        taken = await hold.take(
            order_id=order.order_id,
            customer_id=customer.customer_id,
            amount_cents=amount,
            stale_after_hours=snapshot.policy.approval_expiry_hours + HOLD_MARGIN_HOURS,
            adjusted_since=charge.refunds_since,
            charge_id=charge.charge_id,
        )
    except OrderTaken as other:
        raise CaseStop(
            "escalated",
            f"Order {order.order_id} already has a case moving money "
            f"(ticket {other.holder_ticket_id}); one money case per order runs at a time, "
            "so a person will look at this ticket. No refund was made.",
        ) from None
    if taken.taken_over_from_workflow_id:
        record.note(
            "workflow",
            "money_hold_taken_over",
            f"stale hold of {taken.taken_over_from_workflow_id} on {order.order_id}",
        )
