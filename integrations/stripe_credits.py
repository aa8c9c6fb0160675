"""Customer balance credits and credit notes in Stripe: the two adjustments that are not refunds.

Same rules as refunds (`stripe_billing`): our key in Idempotency-Key and in metadata, and a
lookup by metadata so a retry finds what the first attempt made. No Temporal imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import stripe

from integrations.stripe_billing import (
    DEFAULT_TIMEOUT_SECONDS,
    IDEMPOTENCY_METADATA_KEY,
    stripe_client,
)


@dataclass(frozen=True)
class StripeCredit:
    """A customer balance transaction or a credit note, as far as an adjustment needs."""

    credit_id: str
    customer_id: str
    amount_cents: int
    currency: str
    invoice_id: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


class StripeCredits:
    def __init__(
        self,
        api_key: str,
        api_base: str | None = None,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self._client = stripe_client(api_key, api_base, timeout_seconds)

    def credit_balance(
        self,
        customer_id: str,
        amount_cents: int,
        currency: str,
        idempotency_key: str,
        description: str,
        metadata: Mapping[str, str],
    ) -> StripeCredit:
        """Credits the customer's balance (a negative balance transaction in Stripe's terms)."""
        transaction = self._client.v1.customers.balance_transactions.create(
            customer_id,
            params={
                "amount": -abs(amount_cents),
                "currency": currency,
                "description": description,
                "metadata": {**metadata, IDEMPOTENCY_METADATA_KEY: idempotency_key},
            },
            options={"idempotency_key": idempotency_key},
        )
        return _balance_credit(transaction)

    def balance_credits_with_key(self, customer_id: str, key: str) -> list[StripeCredit]:
        page = self._client.v1.customers.balance_transactions.list(
            customer_id, params={"limit": 100}
        )
        return [
            _balance_credit(t)
            for t in page.auto_paging_iter()
            if _metadata(t.metadata).get(IDEMPOTENCY_METADATA_KEY) == key
        ]

    def create_credit_note(
        self,
        invoice_id: str,
        amount_cents: int,
        idempotency_key: str,
        reason: str | None,
        metadata: Mapping[str, str],
    ) -> StripeCredit:
        params: stripe.params.CreditNoteCreateParams = {
            "invoice": invoice_id,
            "amount": amount_cents,
            "metadata": {**metadata, IDEMPOTENCY_METADATA_KEY: idempotency_key},
        }
        if reason is not None:
            params["reason"] = reason  # type: ignore[typeddict-item]
        note = self._client.v1.credit_notes.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
        return _credit_note(note)

    def credit_notes_with_key(self, invoice_id: str, key: str) -> list[StripeCredit]:
        page = self._client.v1.credit_notes.list(params={"invoice": invoice_id, "limit": 100})
        return [
            _credit_note(n)
            for n in page.auto_paging_iter()
            if _metadata(n.metadata).get(IDEMPOTENCY_METADATA_KEY) == key
        ]


def _balance_credit(transaction: stripe.CustomerBalanceTransaction) -> StripeCredit:
    return StripeCredit(
        credit_id=transaction.id,
        customer_id=str(transaction.customer),
        amount_cents=-transaction.amount,
        currency=transaction.currency,
        invoice_id=None,
        metadata=_metadata(transaction.metadata),
    )


def _credit_note(note: stripe.CreditNote) -> StripeCredit:
    return StripeCredit(
        credit_id=note.id,
        customer_id=str(note.customer),
        amount_cents=note.total,
        currency=note.currency,
        invoice_id=str(note.invoice),
        metadata=_metadata(note.metadata),
    )


def _metadata(value: Any) -> dict[str, str]:
    """Stripe objects' metadata as a plain dict (None when a server leaves it out)."""
    if value is None:
        return {}
    return {
        str(k): str(v) for k, v in (value.to_dict() if hasattr(value, "to_dict") else value).items()
    }
