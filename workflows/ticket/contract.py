"""Public contract of TicketWorkflow: the entry point for a ticket that names no process.

Backends start it directly or through `POST /tickets`; names and fields are a public API (add
optional fields, never rename or remove). There is deliberately no amount field: a triaged
ticket's money, if any, is decided by the process it is routed to, from systems of record.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from activities.models import CaseState
from activities.ticket_models import HandoffPackage
from integrations.knowledge.models import Citation
from policies.routing_policy import Delivery, Route, RouteDecision
from policies.triage_schema import TriageResult
from workflows.case.contract import CaseStatus
from workflows.refund.contract import RefundOutcome
from workflows.ticket.review_contract import HandoffReview

TICKET_WORKFLOW = "TicketWorkflow"
CUSTOMER_REPLY_UPDATE = "customer_reply"
# Ticket ids end up in URLs (`/tickets/{id}`), workflow ids and search attributes, so they are
# limited to characters that need no escaping in any of them.
TICKET_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"


class TicketRequest(BaseModel):
    """Input of TicketWorkflow. Field names match the refund request, so a backend sends the
    same body with or without a `process`. `order_id`, when the helpdesk form has one, is a hint
    the process still checks against the customer's orders."""

    ticket_id: str = Field(min_length=1, max_length=64, pattern=TICKET_ID_PATTERN)
    customer_id: str = Field(min_length=1, max_length=64)
    subject: str = Field("", max_length=300)
    body: str = Field("", max_length=20_000)
    order_id: str | None = Field(None, min_length=1, max_length=64)
    requested_by: str = Field("customer", min_length=1, max_length=64)
    channel: str = Field("api", max_length=32)
    # Set at intake when card numbers were removed from subject/body: the reply then asks the
    # customer never to send card data.
    card_data_removed: bool = False


class CustomerReplyInput(BaseModel):
    """Argument of the `customer_reply` Update (`POST /tickets/{id}/replies`)."""

    text: str = Field(min_length=1, max_length=20_000)
    channel: str = Field("api", max_length=32)
    # Set when card numbers were removed from `text` before delivery: the ticket's next reply
    # then asks the customer never to send card data.
    card_data_removed: bool = False


class ReplyReceipt(BaseModel):
    accepted: bool
    state: CaseState
    round: int


class AnswerSummary(BaseModel):
    confidence: float
    delivery: Delivery
    delivery_reason: str
    engine: str
    citations: list[Citation]


class TicketStatus(CaseStatus):
    """What the `status` query returns for a triaged ticket: the case's status plus `route` and
    `route_reason` (where the ticket went and why) and `process_workflow_id`, the child workflow
    (send approvals there)."""

    process: str = "ticket"
    # Always empty on a ticket (the refund child reports its refund); kept because the status
    # contract of the first release carried it, and fields are never removed.
    refund_id: str | None = None
    intent: str | None = None
    triage: TriageResult | None = None
    route: Route | None = None
    route_reason: str | None = None
    route_decision: RouteDecision | None = None
    routing_policy_version: str | None = None
    process_workflow_id: str | None = None
    answer: AnswerSummary | None = None
    handoff: HandoffPackage | None = None
    clarification_rounds: int = 0
    awaiting_reply_since: datetime | None = None
    tried: list[str] = []
    # The hand-off a person works (claims, resolution, SLA, reopens); None before one.
    review: HandoffReview | None = None


class TicketOutcome(BaseModel):
    ticket_id: str
    state: CaseState
    route: Route | None
    resolution: str
    process_workflow_id: str | None = None
    process_outcome: RefundOutcome | None = None
    handoff_id: str | None = None
