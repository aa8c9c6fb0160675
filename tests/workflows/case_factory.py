"""Builds real refund cases for workflow tests: CRM rows plus a real charge in the Stripe sandbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from activities.models import OrderLineInfo
from integrations.crm_store.store import CrmStore
from integrations.crm_store.views import CustomerView, NewOrder, NewPayment
from integrations.stripe_billing import StripeBilling
from workflows.refund.contract import RefundRequest


@dataclass
class SeededCase:
    request: RefundRequest
    charge_id: str
    amount_cents: int


def seed_case(
    store: CrmStore,
    billing: StripeBilling,
    *,
    amount_cents: int,
    tier: str = "standard",
    age_days: float = 3,
    requested_by: str = "customer",
    requested_amount_cents: int | None = None,
    now: datetime | None = None,
) -> SeededCase:
    """A customer with one paid order of `amount_cents`, charged for real in the sandbox.

    `now` is the Temporal server's clock: the time-skipping server runs ahead of wall time."""
    suffix = uuid.uuid4().hex[:10]
    customer_id, order_id, ticket_id = f"cus_{suffix}", f"ord_{suffix}", f"T-{suffix}"
    email = f"{suffix}@example.com"
    store.add_customer(CustomerView(id=customer_id, name="Dana Test", email=email, tier=tier))
    charge_id, intent_id = billing.create_demo_charge(
        amount_cents, "usd", f"order {order_id}", email, restrict_to_cards=False
    )
    store.add_order(
        NewOrder(
            order_id=order_id,
            customer_id=customer_id,
            placed_at=(now or datetime.now(UTC)) - timedelta(days=age_days),
            currency="usd",
            total_cents=amount_cents,
            lines=[
                OrderLineInfo(
                    sku="SKU-1", title="Trail shoes", quantity=1, unit_price_cents=amount_cents
                )
            ],
            payment=NewPayment(
                charge_id=charge_id,
                payment_intent_id=intent_id,
                amount_cents=amount_cents,
                currency="usd",
            ),
        )
    )
    request = RefundRequest(
        ticket_id=ticket_id,
        customer_id=customer_id,
        order_id=order_id,
        subject="Refund please",
        body="The shoes do not fit, please refund my order.",
        requested_by=requested_by,
        requested_amount_cents=requested_amount_cents,
    )
    return SeededCase(request=request, charge_id=charge_id, amount_cents=amount_cents)
