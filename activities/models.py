"""Inputs and outputs of supportflow activities: the contract between workflows and side effects.

Plain pydantic models only, so workflow code can import them inside the sandbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from policies.loader import PolicySnapshot
from policies.refund_policy import RefundDecision


class OpenCaseInput(BaseModel):
    """Upserts the ticket row (idempotent on ticket_id) and reads the customer from the CRM."""

    ticket_id: str
    workflow_id: str
    process: str
    customer_id: str
    order_id: str | None = None
    subject: str
    body: str
    requested_by: str
    refund_count_window_days: int = 90
    channel: str = "api"


class CustomerContext(BaseModel):
    customer_id: str
    name: str
    email: str
    tier: str
    recent_refund_count: int
    recent_refunds: list[RefundSummary] = []


class RefundSummary(BaseModel):
    ticket_id: str
    order_id: str
    amount_cents: int
    currency: str
    created_at: datetime


class HoldOrderInput(BaseModel):
    """Holds the order for this case's money step: one money case per order at a time.

    `amount_cents` is what the case may move (counted as in flight for the customer). Holding
    again with the same `workflow_id` renews the hold; a hold older than `stale_after_hours`
    (a terminated case never releases) is taken over.
    """

    order_id: str
    workflow_id: str
    ticket_id: str
    customer_id: str
    process: str
    amount_cents: int = Field(ge=0)
    stale_after_hours: float = Field(gt=0)


class OrderHoldResult(BaseModel):
    """`held` False: another case (`holder_*`) is moving money on the order; this one must not.

    When held, the customer's other open money cases, read after the hold was committed, so of
    two cases starting at once at least one sees the other.
    """

    held: bool
    holder_ticket_id: str
    holder_workflow_id: str
    holder_process: str = ""
    taken_over_from_workflow_id: str | None = None
    in_flight_refund_count: int = 0
    in_flight_cents: int = 0


class ReleaseOrderHoldInput(BaseModel):
    """Releases the order if `workflow_id` holds it; a no-op otherwise, so safe to repeat."""

    order_id: str
    workflow_id: str


class LoadOrderInput(BaseModel):
    order_id: str
    customer_id: str


class OrderLineInfo(BaseModel):
    sku: str
    title: str
    quantity: int
    unit_price_cents: int


class OrderInfo(BaseModel):
    order_id: str
    customer_id: str
    placed_at: datetime
    currency: str
    total_cents: int
    lines: list[OrderLineInfo] = []
    charge_id: str | None = None
    payment_intent_id: str | None = None


class ChargeStateInput(BaseModel):
    """`refunds_since`: also sum the live refunds created on the charge at or after this time."""

    charge_id: str
    refunds_since: datetime | None = None


class ChargeState(BaseModel):
    """`refunded_since_cents`: live (succeeded, pending, requires_action) refunds created at or
    after the input's `refunds_since`, from Stripe; None when not asked."""

    charge_id: str
    amount_cents: int
    amount_refunded_cents: int
    currency: str
    status: str
    refunded_since_cents: int | None = None


class IssueRefundInput(BaseModel):
    """`idempotency_key` is minted by the workflow from its id and the step, never the attempt.

    The activity uses the key verbatim. A refund carrying it that ended failed/canceled fails
    the step for good (`RefundFailed`), since the same key can only find that refund again; a
    later try must come with a new key, minted by the workflow per `key_generation` (for
    example `...:refund` for 1, `...:refund:g2` for 2) and recorded in history. The generation
    is also written to the refund's metadata for audit.
    """

    idempotency_key: str
    charge_id: str
    amount_cents: int = Field(gt=0)
    currency: str
    ticket_id: str
    workflow_id: str
    approval_request_id: str | None = None
    key_generation: int = Field(default=1, ge=1)


class RefundResult(BaseModel):
    refund_id: str
    charge_id: str
    amount_cents: int
    currency: str
    status: str
    found_existing: bool = False


class AuditEntry(BaseModel):
    actor: str
    action: str
    detail: str = ""
    at: datetime


class AuditBatch(BaseModel):
    """Audit entries written once: `dedupe_key` (minted by the workflow per step) makes a retried
    activity a no-op."""

    ticket_id: str
    workflow_id: str
    policy_version: str | None = None
    entries: list[AuditEntry]
    dedupe_key: str


CaseState = Literal[
    "received",
    "evaluating",
    "awaiting_customer",
    "in_process",
    "awaiting_approval",
    "refunding",
    "resolved",
    "denied",
    "rejected",
    "escalated",
    "expired",
]


class ApprovalRequestRecord(BaseModel):
    """Written when a case starts waiting for approval, so API/CLI/Slack can find it."""

    ticket_id: str
    workflow_id: str
    request_id: str
    level: str
    amount_cents: int
    currency: str
    required_approvals: int
    approvers: list[str]
    requested_by: str
    rule: str
    reason: str
    expires_at: datetime
    policy_version: str
    audit: list[AuditEntry] = []


class ApprovalDecisionRecord(BaseModel):
    ticket_id: str
    workflow_id: str
    request_id: str
    approver: str
    decision: Literal["approve", "reject"]
    reason: str | None = None
    channel: str
    at: datetime
    final_status: Literal["pending", "approved", "rejected", "expired", "superseded"]


class CustomerReply(BaseModel):
    subject: str
    body: str
    citations: list[dict[str, str]] = []


class CaseOutcomeRecord(BaseModel):
    """Final write for a case: ticket status, refund row, audit trail and the queued reply, atomically."""

    ticket_id: str
    workflow_id: str
    customer_id: str | None
    order_id: str | None
    status: CaseState
    resolution: str
    policy_version: str | None = None
    refund: RefundResult | None = None
    audit: list[AuditEntry] = []
    reply: CustomerReply | None = None


class ApprovalNotice(BaseModel):
    """Everything an approver needs to decide from the message alone. URLs are built by the chat
    activity from its own settings (API / Temporal UI base URLs) and the workflow id."""

    ticket_id: str
    workflow_id: str
    request_id: str
    level: str
    channel: str | None
    approver_slack_ids: list[str] = []
    approver_user_group: str | None = None
    customer_id: str
    customer_name: str
    customer_tier: str
    subject: str
    order_id: str
    amount_cents: int
    currency: str
    refundable_cents: int
    rule: str
    reason: str
    recommended_action: str
    recent_refunds: list[RefundSummary] = []
    required_approvals: int
    expires_at: datetime


class ApprovalMessageRef(BaseModel):
    """Where the approval message lives (Slack channel id + ts), recorded so it can be updated."""

    channel: str
    ts: str


class ApprovalMessageRecord(BaseModel):
    """Stores where the approval message for `request_id` was posted, for API/CLI lookups."""

    request_id: str
    ref: ApprovalMessageRef


class ApprovalMessageUpdate(BaseModel):
    """Re-renders the approval message after a decision, partial approval, expiry or escalation."""

    ref: ApprovalMessageRef
    notice: ApprovalNotice
    status: Literal["partially_approved", "approved", "rejected", "expired", "superseded"]
    actor: str | None = None
    actor_slack_id: str | None = None
    reason: str | None = None
    at: datetime
    approvals_received: int = 0
    escalated_to: str | None = None


class ApprovalReminder(BaseModel):
    """A reminder in the message thread, optionally escalating to the next level's channel."""

    notice: ApprovalNotice
    ref: ApprovalMessageRef | None
    escalate_to_channel: str | None = None
    escalate_to_slack_ids: list[str] = []


class ChatPostResult(BaseModel):
    """`group_approvers`: members of the level's Slack user group at posting time, as the
    canonical ids of the people their accounts are linked to (members linked to nobody are left
    out), so the workflow can let them decide; recorded in history."""

    ref: ApprovalMessageRef | None
    delivered_via: Literal["slack", "outbox"]
    group_approvers: list[str] = []


class ApprovalClickRecord(BaseModel):
    """One click on a Slack approval message, accepted or refused, for the audit trail.

    `outcome`: accepted (the Update took it), refused (`code` says why: an ApprovalRefused code),
    reason_requested (Reject opened the reason modal), failed (Temporal could not be reached).
    """

    ticket_id: str
    request_id: str
    slack_user_id: str
    approver: str | None
    action: Literal["approve", "reject"]
    outcome: Literal["accepted", "refused", "reason_requested", "failed"]
    code: str | None = None
    detail: str = ""
    channel: str | None = None
    message_ts: str | None = None
    at: datetime


class PolicyLoadInput(BaseModel):
    name: Literal["refund"] = "refund"


__all__ = [
    "PolicySnapshot",
    "RefundDecision",
]
