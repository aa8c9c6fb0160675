"""Billing-dispute demo for `make run`: two customers whose cards were charged wrongly, and the
complaints they write.

- Priya was charged twice for one order (39.00 twice, minutes apart): the case refunds the
  duplicate on its own (within the billing policy's auto-adjust limit).
- Tomás was charged 420.00 for an order of 120.00: the 300.00 difference needs one approver.

Seeding is idempotent like the refund demo's: a customer's Stripe customer and charges are made
only when their order is not in the CRM yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import stripe

from activities.models import OrderLineInfo
from integrations.crm_store import CrmStore, CustomerView
from worker.local_stack.billing_customers import add_billing_customer, add_paid_order


@dataclass(frozen=True)
class DisputeDemo:
    name: str
    ticket_id: str
    customer: CustomerView
    order_id: str
    line: OrderLineInfo
    charged_cents: tuple[int, ...]
    subject: str
    body: str


DUPLICATE_CHARGE = DisputeDemo(
    name="billing dispute: charged twice (auto-adjusted)",
    ticket_id="demo-dispute-duplicate",
    customer=CustomerView(
        id="cus_2001", name="Priya Nair", email="priya.nair@example.com", tier="standard"
    ),
    order_id="ord_6001",
    line=OrderLineInfo(
        sku="KETTLE-GOOSE", title="Gooseneck kettle", quantity=1, unit_price_cents=3900
    ),
    charged_cents=(3900, 3900),
    subject="Charged twice",
    body="Hi, I was charged twice for my kettle order, two identical payments on my card.",
)
OVER_CHARGE = DisputeDemo(
    name="billing dispute: wrong amount (waiting for approval)",
    ticket_id="demo-dispute-over-charge",
    customer=CustomerView(
        id="cus_2002", name="Tomás Silva", email="tomas.silva@example.com", tier="standard"
    ),
    order_id="ord_6002",
    line=OrderLineInfo(sku="CHAIR-TASK", title="Task chair", quantity=1, unit_price_cents=12000),
    charged_cents=(42000,),
    subject="Wrong amount",
    body="You charged me the wrong amount for my chair: my statement shows far more than the order.",
)
DISPUTE_DEMOS: tuple[DisputeDemo, ...] = (DUPLICATE_CHARGE, OVER_CHARGE)


def seed_dispute_demos(
    store: CrmStore, client: stripe.StripeClient, *, now: datetime | None = None
) -> int:
    """Seeds the demo customers not seeded yet; returns how many were added."""
    added = 0
    for demo in DISPUTE_DEMOS:
        if store.order_exists(demo.order_id):
            continue
        customer = add_billing_customer(store, client, demo.customer)
        add_paid_order(
            store,
            client,
            customer,
            order_id=demo.order_id,
            line=demo.line,
            placed_at=(now or datetime.now(UTC)) - timedelta(days=1),
            charged_cents=list(demo.charged_cents),
        )
        added += 1
    return added


def dispute_payload(demo: DisputeDemo) -> dict[str, object]:
    """What the customer writes, nothing more: triage routes it to the billing-dispute process."""
    return {
        "ticket_id": demo.ticket_id,
        "customer_id": demo.customer.id,
        "subject": demo.subject,
        "body": demo.body,
        "channel": "demo",
    }
