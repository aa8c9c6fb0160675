"""Billing customers with real charges in Stripe (sandbox or test mode), for the billing-dispute
demo and tests: a CRM customer, the Stripe customer with the same email and a saved test card,
and orders paid by one or more charges on that card.

Each charge names its order in `metadata.order_id`, where the billing-dispute process reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import stripe

from activities.models import OrderLineInfo
from integrations.crm_store import CrmStore, CustomerView, NewOrder, NewPayment
from integrations.stripe_billing_history import ORDER_METADATA_KEY

TEST_CARD = "pm_card_visa"


@dataclass(frozen=True)
class BillingCustomer:
    customer_id: str
    stripe_customer_id: str
    payment_method: str
    email: str


def add_billing_customer(
    store: CrmStore, client: stripe.StripeClient, customer: CustomerView
) -> BillingCustomer:
    """The CRM customer (if absent) and a Stripe customer with its email and a test card."""
    store.add_customer(customer)
    stripe_customer = client.v1.customers.create(
        params={"email": customer.email, "name": customer.name}
    )
    method = client.v1.payment_methods.attach(TEST_CARD, params={"customer": stripe_customer.id})
    return BillingCustomer(
        customer_id=customer.id,
        stripe_customer_id=stripe_customer.id,
        payment_method=method.id,
        email=customer.email,
    )


def charge_card(
    client: stripe.StripeClient,
    customer: BillingCustomer,
    amount_cents: int,
    *,
    order_id: str | None,
    currency: str = "usd",
) -> str:
    """One succeeded charge on the customer's card; returns its id."""
    intent = client.v1.payment_intents.create(
        params={
            "amount": amount_cents,
            "currency": currency,
            "customer": customer.stripe_customer_id,
            "payment_method": customer.payment_method,
            "confirm": True,
        }
    )
    latest = intent.latest_charge
    charge_id = latest if isinstance(latest, str) else latest.id if latest else None
    if charge_id is None:
        raise RuntimeError(f"payment intent {intent.id} has no charge (status {intent.status})")
    if order_id is not None:
        client.v1.charges.update(charge_id, params={"metadata": {ORDER_METADATA_KEY: order_id}})
    return charge_id


def add_paid_order(
    store: CrmStore,
    client: stripe.StripeClient,
    customer: BillingCustomer,
    *,
    order_id: str,
    line: OrderLineInfo,
    placed_at: datetime,
    charged_cents: list[int],
    currency: str = "usd",
) -> list[str]:
    """An order of one line, paid by one charge per amount in `charged_cents` (two equal ones:
    a duplicate; one above the line's total: an over-charge). Returns the charge ids."""
    charges = [
        charge_card(client, customer, amount, order_id=order_id, currency=currency)
        for amount in charged_cents
    ]
    total = line.quantity * line.unit_price_cents
    store.add_order(
        NewOrder(
            order_id=order_id,
            customer_id=customer.customer_id,
            placed_at=placed_at,
            currency=currency,
            total_cents=total,
            lines=[line],
            payment=NewPayment(
                charge_id=charges[0],
                amount_cents=charged_cents[0],
                currency=currency,
            ),
        )
    )
    return charges
