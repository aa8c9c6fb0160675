"""The billing-history adapter against the Stripe sandbox (localstripe behind the extras
server): the customer found by email, charges with their order and card, invoices of a
subscription, the subscription's plan price and cancellation, balance credits marked ours or
not, and the look-back window."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from integrations.crm_store import CrmStore, CustomerView
from integrations.stripe_billing import StripeBilling
from integrations.stripe_billing_history import StripeBillingHistory
from integrations.stripe_credits import StripeCredits
from tests.stripe_fixtures import SANDBOX_API_KEY
from worker.local_stack.billing_customers import add_billing_customer, charge_card


def test_history_reads_what_stripe_holds(
    crm_store: CrmStore, stripe_billing: StripeBilling, stripe_sandbox: str
) -> None:
    client = stripe_billing.client
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    customer = add_billing_customer(
        crm_store, client, CustomerView(id=email[:10], name="H", email=email, tier="standard")
    )
    charge = charge_card(client, customer, 2_100, order_id="ord_h1")
    client.v1.customers.update(
        customer.stripe_customer_id,
        params={"invoice_settings": {"default_payment_method": customer.payment_method}},
    )
    plan = client.v1.plans.create(
        params={"amount": 1_500, "currency": "usd", "interval": "month", "product": {"name": "P"}}
    )
    subscription = client.v1.subscriptions.create(
        params={"customer": customer.stripe_customer_id, "items": [{"plan": plan.id}]}
    )
    client.v1.subscriptions.cancel(subscription.id)
    credits = StripeCredits(SANDBOX_API_KEY, stripe_sandbox)
    credits.credit_balance(customer.stripe_customer_id, 700, "usd", "case-1:adjust:x", "ours", {})
    client.v1.customers.balance_transactions.create(
        customer.stripe_customer_id, params={"amount": -300, "currency": "usd"}
    )

    history_reader = StripeBillingHistory(client)
    assert history_reader.find_customer(email) == customer.stripe_customer_id
    assert history_reader.find_customer(f"nobody-{email}") is None
    history = history_reader.history(
        customer.stripe_customer_id, datetime.now(UTC) - timedelta(days=1)
    )

    by_id = {c.charge_id: c for c in history.charges}
    assert by_id[charge].order_id == "ord_h1" and by_id[charge].amount_cents == 2_100
    assert by_id[charge].payment_method == customer.payment_method
    [invoice] = history.invoices
    assert (invoice.subscription_id, invoice.total_cents) == (subscription.id, 1_500)
    assert invoice.charge_id in by_id and by_id[invoice.charge_id].amount_cents == 1_500
    [sub] = history.subscriptions
    assert (sub.status, sub.plan_amount_cents) == ("canceled", 1_500)
    assert sub.canceled_at is not None
    assert sorted((c.amount_cents, c.ours) for c in history.credits) == [(300, False), (700, True)]
    assert history.credited_by_us_since(datetime.now(UTC) - timedelta(hours=1)) == 700

    later = history_reader.history(
        customer.stripe_customer_id, datetime.now(UTC) + timedelta(days=1)
    )
    assert (later.charges, later.invoices, later.credits) == ([], [], [])
