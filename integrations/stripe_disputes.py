"""Stripe disputes (chargebacks): read one, submit its evidence once, or accept it.

Like `stripe_billing`, no Temporal imports: Stripe's exceptions leave as they are and
activities/billing_errors.py maps them. Every write carries our key twice, in Idempotency-Key
and in the dispute's metadata, so a retry after a crash (or past Stripe's 24 h key window) finds
the first result in the dispute itself instead of acting again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import stripe
from stripe.params import DisputeUpdateParams, DisputeUpdateParamsEvidence

from integrations.stripe_billing import (
    DEFAULT_TIMEOUT_SECONDS,
    IDEMPOTENCY_METADATA_KEY,
    object_id,
    stripe_client,
)

# Still waiting for us (evidence or acceptance); anything else is with the bank or settled.
RESPONDABLE_STATUSES = frozenset({"needs_response", "warning_needs_response"})
CLOSED_STATUSES = frozenset({"won", "lost", "warning_closed"})


@dataclass(frozen=True)
class StripeDispute:
    dispute_id: str
    charge_id: str
    payment_intent_id: str | None
    amount_cents: int
    currency: str
    reason: str
    status: str
    due_by: datetime | None
    submission_count: int
    evidence: Mapping[str, str] = field(default_factory=dict)
    metadata: Mapping[str, str] = field(default_factory=dict)
    # Funds movements, signed as Stripe reports them (withdrawn negative, reinstated positive).
    funds_cents: tuple[int, ...] = ()

    def carries(self, key: str) -> bool:
        return self.metadata.get(IDEMPOTENCY_METADATA_KEY) == key

    @property
    def respondable(self) -> bool:
        return self.status in RESPONDABLE_STATUSES


class StripeDisputes:
    """Disputes through `stripe.StripeClient`; the key stays inside the client."""

    def __init__(
        self,
        api_key: str,
        api_base: str | None = None,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self._client = stripe_client(api_key, api_base, timeout_seconds)

    def get_dispute(self, dispute_id: str) -> StripeDispute:
        return _to_dispute(self._client.v1.disputes.retrieve(dispute_id))

    def disputes_on_charge(self, charge_id: str) -> list[StripeDispute]:
        page = self._client.v1.disputes.list(params={"charge": charge_id, "limit": 100})
        return [_to_dispute(dispute) for dispute in page.auto_paging_iter()]

    def submit_evidence(
        self, dispute_id: str, evidence: Mapping[str, str], idempotency_key: str
    ) -> StripeDispute:
        """Sends the evidence and submits it to the bank (Stripe allows one submission)."""
        params: DisputeUpdateParams = {
            "evidence": cast(DisputeUpdateParamsEvidence, dict(evidence)),
            "metadata": {IDEMPOTENCY_METADATA_KEY: idempotency_key},
            "submit": True,
        }
        dispute = self._client.v1.disputes.update(
            dispute_id, params=params, options={"idempotency_key": idempotency_key}
        )
        return _to_dispute(dispute)

    def accept(self, dispute_id: str, idempotency_key: str) -> StripeDispute:
        """Marks the dispute as ours, then closes it (accepting is final: the dispute is lost).

        `close` takes no metadata, so the mark comes first, as a staged update (`submit=false`)."""
        self._client.v1.disputes.update(
            dispute_id,
            params={"metadata": {IDEMPOTENCY_METADATA_KEY: idempotency_key}, "submit": False},
            options={"idempotency_key": f"{idempotency_key}:mark"},
        )
        closed = self._client.v1.disputes.close(
            dispute_id, options={"idempotency_key": idempotency_key}
        )
        return _to_dispute(closed)


def _to_dispute(dispute: stripe.Dispute) -> StripeDispute:
    details = getattr(dispute, "evidence_details", None)
    due_by = getattr(details, "due_by", None) if details is not None else None
    evidence = getattr(dispute, "evidence", None)
    metadata = getattr(dispute, "metadata", None)
    transactions: list[Any] = getattr(dispute, "balance_transactions", None) or []
    return StripeDispute(
        dispute_id=dispute.id,
        charge_id=object_id(getattr(dispute, "charge", None)) or "",
        payment_intent_id=object_id(getattr(dispute, "payment_intent", None)),
        amount_cents=dispute.amount,
        currency=dispute.currency,
        reason=dispute.reason,
        status=dispute.status,
        due_by=datetime.fromtimestamp(due_by, UTC) if isinstance(due_by, int) else None,
        submission_count=getattr(details, "submission_count", 0) if details is not None else 0,
        evidence={
            k: str(v)
            for k, v in (evidence.to_dict() if evidence else {}).items()
            if v and isinstance(v, str)
        },
        metadata=metadata.to_dict() if metadata is not None else {},
        funds_cents=tuple(int(getattr(t, "amount", 0)) for t in transactions),
    )
