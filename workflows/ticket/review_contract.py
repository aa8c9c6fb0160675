"""Public contract of a hand-off a person works on a ticket's case (TicketWorkflow).

An escalated case stays open until a person ends it: the `handoff_action` Update claims,
resolves, reassigns or hands the case back to automation, and sends, edits or rejects a draft
held for review; `reopen` brings a resolved case back to a person while the policy's window is
open; the `handoff_card` query is the review card. The person in every action is the
authenticated caller (set by the API, CLI or Slack from the credential, never typed).
Names and fields are a public API: add optional fields, never rename or remove.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from integrations.handoff_records import HandoffEnding, HandoffState
from integrations.knowledge.models import Citation
from policies.routing_policy import HandbackKind

HANDOFF_ACTION_UPDATE = "handoff_action"
REOPEN_UPDATE = "reopen"
HANDOFF_CARD_QUERY = "handoff_card"
SLACK_CHANNEL_PATTERN = r"^[CG][A-Z0-9]{2,30}$"

HandoffActionKind = Literal[
    "claim", "resolve", "reassign", "handback", "send", "edit_send", "reject"
]


class HandbackInstruction(BaseModel):
    """What automation does next, within what the routing policy allows: send `reply`, start
    the registered `process` on `order_id` (its own policy decides any money), or ask the
    customer `question` (reminded and closed like any clarifying question)."""

    kind: HandbackKind
    reply: str | None = Field(None, min_length=1, max_length=20_000)
    process: str | None = Field(None, min_length=1, max_length=32)
    order_id: str | None = Field(None, min_length=1, max_length=64)
    question: str | None = Field(None, min_length=1, max_length=2_000)


class HandoffAction(BaseModel):
    """Argument of the `handoff_action` Update. `handoff_id`, when given, must be the hand-off
    the case waits on (a card shown before a reopen or re-escalation is stale)."""

    action: HandoffActionKind
    person: str = Field(min_length=1, max_length=64)
    handoff_id: str | None = Field(None, min_length=1, max_length=64)
    channel: str = Field("api", max_length=32)
    note: str | None = Field(None, max_length=2_000)
    reply: str | None = Field(None, min_length=1, max_length=20_000)
    assign_to_person: str | None = Field(None, min_length=1, max_length=64)
    assign_to_channel: str | None = Field(None, pattern=SLACK_CHANNEL_PATTERN)
    instruction: HandbackInstruction | None = None


class HandoffReceipt(BaseModel):
    ticket_id: str
    handoff_id: str
    action: HandoffActionKind
    person: str
    state: HandoffState
    claimed_by: str | None = None
    assigned_channel: str | None = None
    message: str


class ReopenRequest(BaseModel):
    """Argument of the `reopen` Update: what the customer wrote when they came back."""

    text: str = Field(min_length=1, max_length=20_000)
    channel: str = Field("api", max_length=32)
    requested_by: str = Field("customer", min_length=1, max_length=64)


class ReopenReceipt(BaseModel):
    ticket_id: str
    handoff_id: str
    reopens: int


class HandoffReview(BaseModel):
    """Where the hand-off stands, part of the ticket's status (`review`)."""

    handoff_id: str
    state: HandoffState
    urgency: str
    opened_at: datetime
    reopened: bool = False
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    assigned_channel: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    ending: HandoffEnding | None = None
    action_taken: str | None = None
    draft: str | None = None
    sent_reply: str | None = None
    draft_rejected: bool = False
    sla_due_at: datetime | None = None
    sla_reminded_at: datetime | None = None
    sla_breached_at: datetime | None = None
    reopen_until: datetime | None = None
    reopens: int = 0
    customer_answers: list[str] = []


class HandoffCard(BaseModel):
    """The review card: what a person needs to decide, in the order they read it."""

    ticket_id: str
    handoff_id: str
    state: HandoffState
    customer_message: str
    customer_answers: list[str]
    escalation_reason: str
    recommended_next_step: str
    proposed_answer: str | None
    sources: list[Citation]
    action_plan: list[str]
    triage_confidence: float | None
    answer_confidence: float | None
    claimed_by: str | None
    assigned_channel: str | None
    sla_due_at: datetime | None
    allowed_actions: list[HandoffActionKind]
