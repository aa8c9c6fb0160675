"""The money holds of a billing adjustment: one money case per order at a time, shared with
refunds and chargebacks (the kernel's `MoneyHold`)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.models import CustomerContext
    from policies.billing_discrepancies import Discrepancy
    from policies.billing_dispute import BillingDisputePolicy
    from workflows.case.failures import CaseStop
    from workflows.case.money_hold import MoneyHold, OrderTaken

# A hold outlives any live case (approval expiry plus the money step's two-day retry bound).
HOLD_MARGIN_HOURS = 72


async def hold_orders(
    holds: list[MoneyHold],
    ticket_id: str,
    policy: BillingDisputePolicy,
    customer: CustomerContext,
    findings: list[Discrepancy],
) -> None:
    """Holds each order (or, without one, each charge) the adjustment touches, for what it may
    move there, so a refund case on it waits or counts this one; appends each hold taken to
    `holds`. Another case holding one stops this case before any money moves."""
    amounts: dict[str, int] = {}
    for finding in findings:
        key = finding.order_id or finding.charge_id
        amounts[key] = amounts.get(key, 0) + finding.excess_cents
    for key, amount in amounts.items():
        hold = MoneyHold("billing_dispute", ticket_id)
        try:
            await hold.take(
                order_id=key,
                customer_id=customer.customer_id,
                amount_cents=amount,
                stale_after_hours=policy.approval_expiry_hours + HOLD_MARGIN_HOURS,
            )
        except OrderTaken as taken:
            raise CaseStop(
                "escalated",
                f"{key} already has a case moving money (ticket {taken.holder_ticket_id}); "
                "a person will look at this complaint. Nothing was adjusted.",
            ) from None
        holds.append(hold)
