"""Public contract of ChargebackWorkflow: its input, the dispute-event signal, status, outcome.

Stripe's webhook (worker/api_stripe_webhooks.py) signals-with-start one workflow per dispute,
`chargeback-<dispute id>`; backends may do the same with the Temporal client. Names and fields
are a public API: add optional fields, never rename or remove.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from activities.models import CaseState
from workflows.case.contract import CaseStatus

CHARGEBACK_WORKFLOW = "ChargebackWorkflow"
DISPUTE_EVENT_SIGNAL = "stripe_dispute_event"
CHARGEBACK_WORKFLOW_PREFIX = "chargeback-"
# Stripe's dispute events; only these are handed to the workflow.
DISPUTE_EVENT_TYPES = frozenset(
    {
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
    }
)


def chargeback_workflow_id(dispute_id: str) -> str:
    """One case per dispute, whichever of its events arrives first."""
    return f"{CHARGEBACK_WORKFLOW_PREFIX}{dispute_id}"


def chargeback_ticket_id(dispute_id: str) -> str:
    """The case's ticket in the CRM, API and CLI (`supportflow approve dp-…`): the dispute id
    with `-` for `_`, which ticket ids do not allow. Stripe ids use only letters, digits and
    one `_` after the prefix, so the mapping is one to one."""
    return dispute_id.replace("_", "-")


class ChargebackRequest(BaseModel):
    """Input of ChargebackWorkflow: only the dispute id. Everything else is read from Stripe and
    our records, never taken from the event that started the case."""

    dispute_id: str = Field(min_length=1, max_length=64, pattern=r"^(dp|du)_[A-Za-z0-9]+$")


class DisputeEvent(BaseModel):
    """Argument of the `stripe_dispute_event` signal: one verified Stripe event, reduced to what
    the case needs. Events are deduplicated by `event_id` and may arrive in any order."""

    event_id: str = Field(min_length=1, max_length=255)
    type: str = Field(max_length=64)
    dispute_id: str = Field(min_length=1, max_length=64)
    status: str = Field("", max_length=32)
    created: datetime


class ChargebackStatus(CaseStatus):
    """What the `status` query returns for a chargeback."""

    process: str = "chargeback"
    dispute_id: str | None = None
    charge_id: str | None = None
    dispute_reason: str | None = None
    dispute_status: str | None = None
    due_by: datetime | None = None
    decide_by: datetime | None = None
    evidence_fields: list[str] = []
    recommended_action: Literal["contest", "accept"] | None = None
    action: Literal["contest", "accept"] | None = None
    action_by: str | None = None
    events_seen: list[str] = []


class ChargebackOutcome(BaseModel):
    dispute_id: str
    state: CaseState
    resolution: str
    dispute_status: str
    action: Literal["contest", "accept"] | None = None
    action_by: str | None = None
    funds_cents: int = 0
    policy_version: str | None = None
