"""Billing complaints for tests: a customer whose one order was paid by the given charges, in the
CRM and, for real, in the Stripe sandbox (workflow, crash and fault tests share them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from activities.models import OrderLineInfo
from integrations.crm_store import CrmStore, CustomerView
from integrations.stripe_billing import StripeBilling
from worker.local_stack.billing_customers import (
    BillingCustomer,
    add_billing_customer,
    add_paid_order,
)
from workflows.billing_dispute.contract import BillingDisputeRequest


@dataclass
class Complaint:
    customer: BillingCustomer
    request: BillingDisputeRequest
    charges: list[str] = field(default_factory=list)


def seed_complaint(
    store: CrmStore,
    billing: StripeBilling,
    *,
    order_total_cents: int,
    charged_cents: list[int],
    now: datetime,
    tier: str = "standard",
) -> Complaint:
    """A customer whose one order was paid by `charged_cents`, complaining about it."""
    suffix = uuid.uuid4().hex[:10]
    customer = add_billing_customer(
        store,
        billing.client,
        CustomerView(
            id=f"cus_{suffix}", name="Dana Test", email=f"{suffix}@example.com", tier=tier
        ),
    )
    order_id = f"ord_{suffix}"
    charges = add_paid_order(
        store,
        billing.client,
        customer,
        order_id=order_id,
        line=OrderLineInfo(
            sku="PLAN-1", title="Annual plan", quantity=1, unit_price_cents=order_total_cents
        ),
        placed_at=now - timedelta(days=2),
        charged_cents=charged_cents,
    )
    request = BillingDisputeRequest(
        ticket_id=f"T-{suffix}",
        customer_id=customer.customer_id,
        subject="Charged twice?",
        body="I think I was charged twice for my order.",
    )
    return Complaint(customer=customer, request=request, charges=charges)
