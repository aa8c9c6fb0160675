"""Inputs and outputs of the triage, knowledge, routing-policy and hand-off activities.

Plain pydantic models, importable inside the workflow sandbox. Nothing here carries a secret, and
nothing a customer wrote is ever interpreted as an amount, an approver or a policy.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from activities.models import CustomerReply
from integrations.handoff_text import HandoffPackage
from integrations.knowledge.models import Audience, Citation, Passage
from policies.loader import RoutingPolicySnapshot

MAX_TICKET_TEXT = 20_000


class TriageInput(BaseModel):
    ticket_id: str
    subject: str = Field("", max_length=300)
    body: str = Field("", max_length=MAX_TICKET_TEXT)


class RoutingPolicyInput(BaseModel):
    name: Literal["routing"] = "routing"


class SearchKnowledgeInput(BaseModel):
    query: str = Field(max_length=MAX_TICKET_TEXT)
    k: int = Field(4, ge=1, le=20)
    audience: Audience = "public"


class KnowledgeSearchResult(BaseModel):
    passages: list[Passage]


class DraftAnswerInput(BaseModel):
    ticket_id: str
    question: str = Field(max_length=MAX_TICKET_TEXT)
    passages: list[Passage]
    customer_name: str = ""


class KnowledgeAnswer(BaseModel):
    """A drafted reply with its sources. `reply` is ready for the outbox; `confidence` decides,
    with the routing policy, whether it is sent or reviewed by a person first."""

    reply: CustomerReply
    answer_text: str
    citations: list[Citation]
    confidence: float
    engine: str
    input_tokens: int = 0
    output_tokens: int = 0


class HandoffInput(BaseModel):
    package: HandoffPackage
    slack_channel: str | None = None


class HandoffDelivery(BaseModel):
    delivered_via: Literal["slack", "outbox"]
    channel: str | None = None
    message_ts: str | None = None


class CustomerMessageInput(BaseModel):
    """A message to the customer that does not close the case (a clarifying question, a
    reminder). `dedupe_key` is minted by the workflow per message, so a retry queues it once."""

    ticket_id: str
    workflow_id: str
    dedupe_key: str
    reply: CustomerReply


# HandoffPackage is owned by the hand-off renderer in integrations/; it is part of this contract.
__all__ = ["HandoffPackage", "RoutingPolicySnapshot"]
