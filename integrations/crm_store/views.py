"""Read models the CRM store returns, so callers never hold live ORM rows across sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from integrations.commerce_orders import OrderLineInfo

CustomerTier = Literal["standard", "gold", "vip"]


class CustomerView(BaseModel):
    id: str
    name: str
    email: str
    tier: str


class AuditEventView(BaseModel):
    actor: str
    action: str
    detail: str
    policy_version: str | None
    workflow_id: str | None
    at: datetime


class OutboxMessageView(BaseModel):
    id: int
    ticket_id: str
    recipient: str | None
    subject: str
    body: str
    citations: list[dict[str, str]]
    status: str
    dedupe_key: str
    created_at: datetime
    sent_at: datetime | None = None
    attempts: int = 0
    provider_message_id: str | None = None
    last_error: str | None = None
    failed_at: datetime | None = None


class NoteView(BaseModel):
    author: str
    body: str
    created_at: datetime


class ApprovalDecisionView(BaseModel):
    approver: str
    decision: str
    reason: str | None
    channel: str
    at: datetime


class ApprovalView(BaseModel):
    """An approval request as API, CLI and Slack handlers need it to route a decision."""

    request_id: str
    ticket_id: str
    workflow_id: str
    level: str
    amount_cents: int
    currency: str
    required_approvals: int
    approvers: list[str]
    requested_by: str
    rule: str
    reason: str
    policy_version: str | None
    status: str
    slack_channel: str | None
    slack_ts: str | None
    expires_at: datetime
    created_at: datetime
    decided_at: datetime | None
    decisions: list[ApprovalDecisionView] = []

    @property
    def approved_by(self) -> list[str]:
        return [d.approver for d in self.decisions if d.decision == "approve"]


class RefundView(BaseModel):
    refund_id: str
    ticket_id: str
    workflow_id: str
    customer_id: str | None
    order_id: str | None
    charge_id: str
    amount_cents: int
    currency: str
    status: str
    created_at: datetime


class TicketView(BaseModel):
    """A ticket with everything that happened to it, for `GET /tickets/{id}` once the case closed."""

    id: str
    customer_id: str
    order_id: str | None
    subject: str
    body: str
    channel: str
    process: str
    status: str
    resolution: str | None
    workflow_id: str | None
    policy_version: str | None
    created_at: datetime
    updated_at: datetime
    audit: list[AuditEventView] = []
    outbox: list[OutboxMessageView] = []
    approvals: list[ApprovalView] = []
    refunds: list[RefundView] = []
    notes: list[NoteView] = []


class NewPayment(BaseModel):
    charge_id: str
    payment_intent_id: str | None = None
    amount_cents: int = Field(gt=0)
    currency: str
    provider: str = "stripe"


class NewOrder(BaseModel):
    """An order to load into the embedded commerce store (demo data, imports)."""

    order_id: str
    customer_id: str
    placed_at: datetime
    currency: str
    total_cents: int = Field(gt=0)
    status: str = "paid"
    lines: list[OrderLineInfo]
    payment: NewPayment | None = None

    @model_validator(mode="after")
    def _lines_add_up(self) -> NewOrder:
        lines_total = sum(line.quantity * line.unit_price_cents for line in self.lines)
        if lines_total != self.total_cents:
            raise ValueError(
                f"order {self.order_id}: lines add up to {lines_total}, total is {self.total_cents}"
            )
        return self
