"""Stripe adapter: a customer's charges, invoices and subscriptions over a look-back window.

Read-only; the billing-dispute process finds discrepancies in what this returns. No Temporal
imports: the Stripe SDK's own exceptions leave here and the activity maps them in the one place
for Stripe failures (activities/billing_errors.py). Client-side retries are off, as for refunds.

Windows are filtered here rather than with `created[gte]`, which the offline sandbox does not
accept. Every page is read: Stripe lists newest first, the sandbox does not promise an order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import stripe

from integrations.stripe_billing import IDEMPOTENCY_METADATA_KEY
from policies.billing_history import (
    BilledCharge,
    BilledCredit,
    BilledInvoice,
    BilledSubscription,
    BillingHistory,
)

# Where a charge names the order it paid; merchants set it, Stripe keeps it.
ORDER_METADATA_KEY = "order_id"


class StripeBillingHistory:
    """Reads one customer's billing history through `stripe.StripeClient`."""

    def __init__(self, client: stripe.StripeClient, *, page_size: int = 100) -> None:
        """`client` is `StripeBilling.client`: one configuration for every Stripe call."""
        self._client = client
        self._page_size = page_size

    def find_customer(self, email: str) -> str | None:
        """The Stripe customer with this email (the newest, if several), or None."""
        page = self._client.v1.customers.list(params={"email": email, "limit": 1})
        return page.data[0].id if page.data else None

    def history(self, stripe_customer_id: str, since: datetime) -> BillingHistory:
        limit = self._page_size
        charges = self._client.v1.charges.list(
            params={"customer": stripe_customer_id, "limit": limit}
        ).auto_paging_iter()
        invoices = self._client.v1.invoices.list(
            params={"customer": stripe_customer_id, "limit": limit}
        ).auto_paging_iter()
        subscriptions = self._client.v1.subscriptions.list(
            params={"customer": stripe_customer_id, "limit": limit, "status": "all"}
        ).auto_paging_iter()
        balance = self._client.v1.customers.balance_transactions.list(
            stripe_customer_id, params={"limit": limit}
        ).auto_paging_iter()
        return BillingHistory(
            stripe_customer_id=stripe_customer_id,
            since=since,
            charges=[_charge(c) for c in _since(charges, since)],
            invoices=[_invoice(i) for i in _since(invoices, since)],
            subscriptions=[_subscription(s) for s in subscriptions],
            credits=[_credit(t) for t in _since(balance, since) if (t.amount or 0) < 0],
        )


def _since(objects: Iterable[Any], since: datetime) -> Iterator[Any]:
    floor = since.astimezone(UTC).replace(microsecond=0)
    for obj in objects:
        created = _time(obj.created)
        if created is not None and created >= floor:
            yield obj


def _time(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int) else None


def _id(value: Any) -> str | None:
    """Related objects come as ids, or as objects when expanded (the sandbox expands some)."""
    if value is None or isinstance(value, str):
        return value
    return str(value.id)


def _charge(charge: Any) -> BilledCharge:
    details = getattr(charge, "payment_method_details", None)
    card = getattr(details, "card", None) if details is not None else None
    fingerprint = getattr(card, "fingerprint", None) if card is not None else None
    metadata = getattr(charge, "metadata", None)
    return BilledCharge(
        charge_id=charge.id,
        amount_cents=charge.amount,
        amount_refunded_cents=getattr(charge, "amount_refunded", 0) or 0,
        currency=charge.currency,
        status=charge.status or "unknown",
        created=_time(charge.created) or datetime.min.replace(tzinfo=UTC),
        payment_method=fingerprint or _id(getattr(charge, "payment_method", None)),
        order_id=metadata.to_dict().get(ORDER_METADATA_KEY) if metadata is not None else None,
        invoice_id=_id(getattr(charge, "invoice", None)),
        description=getattr(charge, "description", None),
    )


def _credit(transaction: Any) -> BilledCredit:
    metadata = getattr(transaction, "metadata", None)
    tags = metadata.to_dict() if metadata is not None else {}
    return BilledCredit(
        credit_id=transaction.id,
        amount_cents=-int(transaction.amount),
        currency=transaction.currency,
        created=_time(transaction.created) or datetime.min.replace(tzinfo=UTC),
        ours=IDEMPOTENCY_METADATA_KEY in tags,
    )


def _invoice(invoice: Any) -> BilledInvoice:
    return BilledInvoice(
        invoice_id=invoice.id,
        status=invoice.status or "unknown",
        total_cents=getattr(invoice, "total", 0) or 0,
        amount_paid_cents=getattr(invoice, "amount_paid", 0) or 0,
        currency=invoice.currency,
        created=_time(invoice.created) or datetime.min.replace(tzinfo=UTC),
        charge_id=_id(getattr(invoice, "charge", None)),
        subscription_id=_id(getattr(invoice, "subscription", None)),
    )


def _subscription(subscription: Any) -> BilledSubscription:
    # `items` is read by key: as an attribute it would name a dict method.
    listed = subscription["items"].data if "items" in subscription else []
    item = listed[0] if listed else None
    amount: int | None = None
    currency: str | None = None
    name: str | None = None
    if item is not None:
        # `price` on current API versions, `plan` on older ones (the sandbox has only plans).
        priced = getattr(item, "price", None) or getattr(item, "plan", None)
        unit = getattr(priced, "unit_amount", None) if priced is not None else None
        if unit is None and priced is not None:
            unit = getattr(priced, "amount", None)
        quantity = getattr(item, "quantity", 1) or 1
        amount = unit * quantity if unit is not None else None
        currency = getattr(priced, "currency", None) if priced is not None else None
        name = getattr(priced, "nickname", None) or (_id(getattr(priced, "product", None)))
    canceled = _time(getattr(subscription, "canceled_at", None)) or _time(
        getattr(subscription, "ended_at", None)
    )
    return BilledSubscription(
        subscription_id=subscription.id,
        status=subscription.status or "unknown",
        plan_amount_cents=amount,
        currency=currency,
        plan_name=name,
        canceled_at=canceled,
    )
