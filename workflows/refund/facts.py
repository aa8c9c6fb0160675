"""The facts a refund is decided on, read from the systems of record: the customer (opening the
case in the CRM), the order and its charge. Reads are local activities; a read that fails for
good stops the case with the reason, as a person must look at it."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.billing import BillingActivities
    from activities.commerce import CommerceActivities
    from activities.crm import CrmActivities
    from activities.models import (
        ChargeState,
        ChargeStateInput,
        CustomerContext,
        LoadOrderInput,
        OrderInfo,
        PolicyLoadInput,
        RecordedDecision,
    )
    from activities.policy import PolicyActivities
    from policies.decision_facts import refund_case_facts
    from policies.loader import PolicySnapshot
    from policies.refund_policy import RefundDecision, RefundFacts, evaluate_refund
    from workflows.case.failures import CaseStop, failure_reason
    from workflows.case.money_hold import MoneyHold
    from workflows.case.opening import case_opening
    from workflows.case.options import READ_OPTIONS
    from workflows.refund.contract import RefundRequest
    from workflows.refund.system_of_record import read_shopify_refundable, refunded_in_shopify


async def load_refund_policy() -> PolicySnapshot:
    return await workflow.execute_local_activity_method(
        PolicyActivities.load_refund_policy, PolicyLoadInput(), **READ_OPTIONS
    )


def refund_facts(
    request: RefundRequest,
    customer: CustomerContext,
    order: OrderInfo,
    charge: ChargeState,
    hold: MoneyHold,
    now: datetime,
) -> RefundFacts:
    """What the refund policy decides on: the request's cap, never its text, and the figures of
    the systems of record, with what other cases of the customer have in flight."""
    return RefundFacts(
        customer_tier=customer.tier,
        order_placed_at=order.placed_at,
        charge_amount_cents=charge.amount_cents,
        already_refunded_cents=charge.amount_refunded_cents,
        requested_amount_cents=request.requested_amount_cents,
        recent_refund_count=customer.recent_refund_count,
        refunded_on_order_in_window_cents=_moved_on_order(charge, hold),
        in_flight_cents=hold.in_flight_cents,
        in_flight_refund_count=hold.in_flight_count,
        now=now,
    )


def _moved_on_order(charge: ChargeState, hold: MoneyHold) -> int | None:
    """What the order's refunds add up to in the window: refunds on its charge (from Stripe)
    plus what other processes moved on it that the charge does not show (a billing dispute's
    balance credit, a refund of a duplicate charge; from the CRM, through the hold)."""
    if charge.refunded_since_cents is None:
        return None
    return charge.refunded_since_cents + hold.adjusted_elsewhere_cents


def decide_refund(
    snapshot: PolicySnapshot,
    request: RefundRequest,
    customer: CustomerContext,
    order: OrderInfo,
    charge: ChargeState,
    hold: MoneyHold,
) -> tuple[RefundDecision, RecordedDecision]:
    """The policy's decision on the facts as of now, and the decision with those facts as the
    CRM records them for backtests (carried by the audit note of the decision, so recording
    them adds no command to the history)."""
    facts = refund_facts(request, customer, order, charge, hold, workflow.now())
    decision = evaluate_refund(snapshot.policy, facts)
    recorded = refund_case_facts(snapshot.policy, request.customer_id, request.order_id, facts)
    return decision, RecordedDecision(
        process="refund",
        verdict=decision.verdict.value,
        rule=decision.rule,
        amount_cents=decision.amount_cents,
        approval_level=decision.approval_level,
        required_approvals=decision.required_approvals,
        facts=recorded.model_dump(mode="json"),
    )


async def open_refund_case(request: RefundRequest, snapshot: PolicySnapshot) -> CustomerContext:
    try:
        return await workflow.execute_local_activity_method(
            CrmActivities.open_case,
            case_opening(
                request,
                "refund",
                refund_count_window_days=snapshot.policy.refund_count_window_days,
            ),
            summary="Open case in CRM",
            **READ_OPTIONS,
        )
    except (ActivityError, ApplicationError) as err:
        raise CaseStop("escalated", f"Could not load the customer: {failure_reason(err)}") from None


async def load_order(request: RefundRequest) -> OrderInfo:
    if request.order_id is None:
        raise CaseStop("escalated", "The ticket names no order, so there is nothing to refund.")
    try:
        return await workflow.execute_local_activity_method(
            CommerceActivities.load_order,
            LoadOrderInput(order_id=request.order_id, customer_id=request.customer_id),
            summary="Load order",
            **READ_OPTIONS,
        )
    except (ActivityError, ApplicationError) as err:
        raise CaseStop("escalated", f"Could not load the order: {failure_reason(err)}") from None


async def load_charge(order: OrderInfo, refunds_since: datetime | None) -> ChargeState:
    if refunded_in_shopify(order):
        try:
            return await read_shopify_refundable(
                order, refunds_since, summary="Read order from Shopify", options=READ_OPTIONS
            )
        except (ActivityError, ApplicationError) as err:
            reason = failure_reason(err)
            raise CaseStop("escalated", f"Could not read the order in Shopify: {reason}") from None
    if not order.charge_id:
        raise CaseStop("escalated", f"Order {order.order_id} has no card payment to refund.")
    try:
        return await workflow.execute_local_activity_method(
            BillingActivities.get_charge_state,
            ChargeStateInput(charge_id=order.charge_id, refunds_since=refunds_since),
            summary="Read charge from Stripe",
            **READ_OPTIONS,
        )
    except (ActivityError, ApplicationError) as err:
        raise CaseStop("escalated", f"Could not read the charge: {failure_reason(err)}") from None
