"""Stripe adapter: credits on a customer's balance (customer balance transactions).

A credit is a balance transaction with a negative amount; Stripe takes it off the customer's next
invoices. Transactions are immutable, so a credit that exists is a credit given. Like refunds,
each carries our idempotency key in metadata (and in Idempotency-Key), so the system of record
can be read for it before and after creating one. No Temporal imports; the Stripe SDK's own
exceptions leave here and activities/billing_errors.py maps them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import stripe

from integrations.stripe_billing import IDEMPOTENCY_METADATA_KEY


@dataclass(frozen=True)
class CustomerCredit:
    credit_id: str
    customer_id: str
    amount_cents: int  # positive: what the customer was credited
    currency: str
    created: datetime | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


class StripeCustomerCredits:
    """Lists and creates customer balance credits through `stripe.StripeClient`."""

    def __init__(self, client: stripe.StripeClient, *, page_size: int = 100) -> None:
        """`client` is `StripeBilling.client`: one configuration for every Stripe call."""
        self._client = client
        self._page_size = page_size

    def credits(self, customer_id: str) -> list[CustomerCredit]:
        """Every credit on the customer's balance, newest first; debits are left out."""
        page = self._client.v1.customers.balance_transactions.list(
            customer_id, params={"limit": self._page_size}
        )
        return [
            _credit(customer_id, txn) for txn in page.auto_paging_iter() if (txn.amount or 0) < 0
        ]

    def credits_with_key(self, customer_id: str, idempotency_key: str) -> list[CustomerCredit]:
        return [
            credit
            for credit in self.credits(customer_id)
            if credit.metadata.get(IDEMPOTENCY_METADATA_KEY) == idempotency_key
        ]

    def credited_by_us_since(self, customer_id: str, since: datetime) -> int:
        """Cents supportflow credited to the customer at or after `since` (one-second floor,
        as for refunds: for a limit over-counting is the safe side)."""
        floor = since.astimezone(UTC).replace(microsecond=0)
        return sum(
            credit.amount_cents
            for credit in self.credits(customer_id)
            if IDEMPOTENCY_METADATA_KEY in credit.metadata
            and credit.created is not None
            and credit.created >= floor
        )

    def create_credit(
        self,
        customer_id: str,
        amount_cents: int,
        currency: str,
        description: str,
        idempotency_key: str,
        metadata: Mapping[str, str | None],
    ) -> CustomerCredit:
        tagged = {key: value for key, value in metadata.items() if value is not None}
        tagged[IDEMPOTENCY_METADATA_KEY] = idempotency_key
        txn = self._client.v1.customers.balance_transactions.create(
            customer_id,
            params={
                "amount": -amount_cents,
                "currency": currency,
                "description": description,
                "metadata": tagged,
            },
            options={"idempotency_key": idempotency_key},
        )
        return _credit(customer_id, txn)


def _credit(customer_id: str, txn: Any) -> CustomerCredit:
    metadata = getattr(txn, "metadata", None)
    created = getattr(txn, "created", None)
    return CustomerCredit(
        credit_id=txn.id,
        customer_id=customer_id,
        amount_cents=-int(txn.amount),
        currency=txn.currency,
        created=datetime.fromtimestamp(created, UTC) if isinstance(created, int) else None,
        metadata=metadata.to_dict() if metadata is not None else {},
    )
