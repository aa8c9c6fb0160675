"""Stripe adapter: charges and refunds, the system of record for money moved by supportflow.

No Temporal imports here: the adapter raises the Stripe SDK's own exceptions and the activity
layer maps them (activities/billing_errors.py). Client-side retries are off
(`max_network_retries=0`) because Temporal owns retries; a hidden SDK retry inside an activity
attempt would hide failures from the workflow history and stretch past the activity timeout.

The same code talks to real Stripe (test or live mode) and to the offline sandbox
(worker/stripe_sandbox.py); only `api_base` differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import stripe
from stripe.params import PaymentIntentCreateParams

# Metadata key that marks a refund as ours and names the step that issued it. Looking it up is
# what keeps a retry from paying twice once Stripe's 24 h idempotency window is over, and with
# sandboxes that ignore Idempotency-Key altogether.
IDEMPOTENCY_METADATA_KEY = "supportflow_key"
# Which key generation of the step paid (1 unless an earlier generation's refund failed), so an
# auditor reading Stripe alone can tell a second attempt from a duplicate.
KEY_GENERATION_METADATA_KEY = "supportflow_key_generation"

# Refunds in these states moved money or still will; anything else (failed, canceled) did not.
# `requires_action` is live: the refund exists and completes once the customer acts.
LIVE_REFUND_STATUSES = frozenset({"succeeded", "pending", "requires_action"})

# Below any refund activity's start-to-close timeout with room for the calls of one attempt, so
# an attempt always ends itself before Temporal starts the next one: a POST still in flight when
# the retry begins is exactly how a refund gets paid twice (issue 7, defect 10).
DEFAULT_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class StripeCharge:
    """What supportflow needs to know about a charge to decide and bound a refund."""

    charge_id: str
    amount_cents: int
    amount_refunded_cents: int
    currency: str
    status: str
    payment_intent_id: str | None = None

    @property
    def refundable_cents(self) -> int:
        return max(self.amount_cents - self.amount_refunded_cents, 0)


@dataclass(frozen=True)
class StripeRefund:
    refund_id: str
    charge_id: str
    amount_cents: int
    currency: str
    status: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    failure_reason: str | None = None
    created: datetime | None = None

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_REFUND_STATUSES


class StripeBilling:
    """Reads charges and issues refunds through `stripe.StripeClient`.

    `page_size` is Stripe's maximum list page; smaller values only exist to exercise paging.
    Optional fields are read with `getattr(..., None)` because the sandbox omits some of them.

    The API key lives only inside the client; it is never part of a return value, so nothing
    built from these results can leak it into workflow history.
    """

    def __init__(
        self,
        api_key: str,
        api_base: str | None = None,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        page_size: int = 100,
    ) -> None:
        self._page_size = page_size
        self.timeout_seconds = timeout_seconds
        self._client = stripe_client(api_key, api_base, timeout_seconds)

    @property
    def client(self) -> stripe.StripeClient:
        """The configured client (key, base, timeout, no SDK retries), for the adapters of other
        Stripe objects on the same account (stripe_billing_history, stripe_customer_credits)."""
        return self._client

    def get_charge(self, charge_id: str) -> StripeCharge:
        charge = self._client.v1.charges.retrieve(charge_id)
        return StripeCharge(
            charge_id=charge.id,
            amount_cents=charge.amount,
            amount_refunded_cents=charge.amount_refunded,
            currency=charge.currency,
            status=charge.status,
            payment_intent_id=object_id(getattr(charge, "payment_intent", None)),
        )

    def list_refunds(self, charge_id: str) -> list[StripeRefund]:
        """Every refund on the charge, across all pages, newest first (Stripe's order)."""
        page = self._client.v1.refunds.list(params={"charge": charge_id, "limit": self._page_size})
        return [_to_refund(refund) for refund in page.auto_paging_iter()]

    def refunds_with_key(self, charge_id: str, idempotency_key: str) -> list[StripeRefund]:
        """Every refund on the charge carrying our key, whatever its status, newest first.

        One is normal; none means the step has not paid yet; two or more means a server that
        did not honour Idempotency-Key paid twice, which callers must treat as an incident.
        """
        return [
            refund
            for refund in self.list_refunds(charge_id)
            if refund.metadata.get(IDEMPOTENCY_METADATA_KEY) == idempotency_key
        ]

    def refunded_since(self, charge_id: str, since: datetime) -> int:
        """Cents of live refunds on the charge created at or after `since`.

        Stripe's `created` has one-second resolution, so `since` is rounded down to its second:
        a refund in the same second counts, and for a limit over-counting is the safe side.
        Filtered here rather than with `created[gte]` because the sandbox does not accept it.
        """
        floor = since.astimezone(UTC).replace(microsecond=0)
        return sum(
            refund.amount_cents
            for refund in self.list_refunds(charge_id)
            if refund.is_live and refund.created is not None and refund.created >= floor
        )

    def create_refund(
        self,
        charge_id: str,
        amount_cents: int,
        idempotency_key: str,
        metadata: Mapping[str, str | None],
    ) -> StripeRefund:
        """Refund part or all of a charge.

        The key goes both into the Idempotency-Key header (Stripe dedupes within 24 h) and into
        metadata (so `refunds_with_key` can recognise the refund at any later time). No `reason` is
        sent: the offline sandbox rejects it, and the ticket holds the reason anyway.
        """
        tagged = {key: value for key, value in metadata.items() if value is not None}
        tagged[IDEMPOTENCY_METADATA_KEY] = idempotency_key
        refund = self._client.v1.refunds.create(
            params={"charge": charge_id, "amount": amount_cents, "metadata": tagged},
            options={"idempotency_key": idempotency_key},
        )
        return _to_refund(refund)

    def create_demo_charge(
        self,
        amount_cents: int,
        currency: str,
        description: str,
        email: str,
        *,
        payment_method: str = "pm_card_visa",
        restrict_to_cards: bool = False,
    ) -> tuple[str, str]:
        """Charge a Stripe test card and return (charge id, payment intent id), for seeding demos.

        `payment_method` takes Stripe's test ids (`pm_card_visa`; `pm_card_chargeCustomerFail`
        for a decline). Real Stripe only confirms a payment intent without a return URL when it
        is limited to non-redirecting methods, so against real Stripe pass
        `restrict_to_cards=True` (sends `allowed_payment_method_types=["card"]`). The offline
        sandbox, the default target of the dev stack, predates that parameter and refuses it.
        For the same reason `description` and `receipt_email` are set on the charge afterwards,
        which both accept.
        """
        params: PaymentIntentCreateParams = {
            "amount": amount_cents,
            "currency": currency,
            "payment_method": payment_method,
            "confirm": True,
            "metadata": {"source": "supportflow-demo"},
        }
        if restrict_to_cards:
            params["allowed_payment_method_types"] = ["card"]
        intent = self._client.v1.payment_intents.create(params)
        charge_id = object_id(getattr(intent, "latest_charge", None))
        if charge_id is None:
            raise RuntimeError(f"payment intent {intent.id} has no charge (status {intent.status})")
        self._client.v1.charges.update(
            charge_id, params={"description": description, "receipt_email": email}
        )
        return charge_id, intent.id


def stripe_client(
    api_key: str, api_base: str | None, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
) -> stripe.StripeClient:
    """A client with Temporal owning retries. The explicit HTTP timeout is well below the
    activity's start-to-close timeout, so a hung connection fails the attempt instead of still
    being in flight when Temporal retries."""
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=timeout_seconds),
    )


def object_id(value: Any) -> str | None:
    """Stripe returns related objects as ids, or as objects when expanded (the sandbox always
    expands `latest_charge`)."""
    if value is None or isinstance(value, str):
        return value
    return str(value.id)


def _to_refund(refund: stripe.Refund) -> StripeRefund:
    metadata = getattr(refund, "metadata", None)
    created = getattr(refund, "created", None)
    return StripeRefund(
        refund_id=refund.id,
        charge_id=object_id(getattr(refund, "charge", None)) or "",
        amount_cents=refund.amount,
        currency=refund.currency,
        status=refund.status or "unknown",
        metadata=metadata.to_dict() if metadata is not None else {},
        failure_reason=getattr(refund, "failure_reason", None),
        created=datetime.fromtimestamp(created, UTC) if isinstance(created, int) else None,
    )
