"""Inputs and outputs of the chargeback activities (pydantic, importable in the sandbox)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class DisputeRef(BaseModel):
    dispute_id: str = Field(min_length=1, max_length=255)


class ChargeDisputeInput(BaseModel):
    charge_id: str = Field(min_length=1, max_length=255)


class DisputeInfo(BaseModel):
    """A dispute as Stripe reports it now."""

    dispute_id: str
    charge_id: str
    payment_intent_id: str | None = None
    amount_cents: int
    currency: str
    reason: str
    status: str
    due_by: datetime | None = None
    submission_count: int = 0
    respondable: bool
    funds_cents: list[int] = []


class GatherEvidenceInput(BaseModel):
    """The policy's texts travel in: they are versioned with the policy, not read from a file."""

    dispute_id: str
    charge_id: str
    amount_cents: int
    currency: str
    refund_policy_text: str = ""
    cancellation_policy_text: str = ""


class ChargebackEvidence(BaseModel):
    """Stripe evidence fields (`evidence[...]`) we can back with records, and what they came
    from. `order_id`/`customer_id` are None when no order was paid by the charge."""

    fields: dict[str, str] = {}
    order_id: str | None = None
    customer_id: str | None = None
    ticket_count: int = 0
    sources: list[str] = []


class SubmitEvidenceInput(BaseModel):
    """`idempotency_key` is minted by the workflow from its id and the step."""

    dispute_id: str
    idempotency_key: str
    evidence: dict[str, str]


class AcceptDisputeInput(BaseModel):
    dispute_id: str
    idempotency_key: str


class DisputeActionResult(BaseModel):
    dispute_id: str
    status: str
    found_existing: bool = False


class ChargebackNotice(BaseModel):
    """A line for the disputes channel (Slack when configured) and the case's CRM notes."""

    ticket_id: str
    workflow_id: str
    dedupe_key: str
    channel: str | None = None
    text: str
