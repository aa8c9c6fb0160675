"""Inputs and outputs of supportflow activities: the contract between workflows and side effects.

Plain pydantic models only, so workflow code can import them inside the sandbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from integrations.approval_messages import ApprovalMessageRef, ApprovalNotice
from integrations.commerce_orders import OrderInfo, OrderLineInfo
from integrations.crm_records import (
    AdjustmentRecord,
    ApprovalClickRecord,
    ApprovalDecisionRecord,
    ApprovalRequestRecord,
    AuditEntry,
    CaseOutcomeRecord,
    CaseState,
    CustomerContext,
    CustomerReply,
    RecordedDecision,
    RefundResult,
    RefundSummary,
)
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
    # Added for limits across processes: with `adjusted_since`, the result says what other
    # cases recorded as moved on the order since then that `charge_id` shows no refund for.
    adjusted_since: datetime | None = None
    charge_id: str | None = None


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
    # Balance credits, and refunds on the order's other charges, other cases recorded.
    adjusted_elsewhere_cents: int = 0


class ReleaseOrderHoldInput(BaseModel):
    """Releases the order if `workflow_id` holds it; a no-op otherwise, so safe to repeat."""

    order_id: str
    workflow_id: str


class LoadOrderInput(BaseModel):
    order_id: str
    customer_id: str


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
    # The `refunds_since` it was read for (added later: None in older histories).
    refunds_since: datetime | None = None


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


class AuditBatch(BaseModel):
    """Audit entries written once: `dedupe_key` (minted by the workflow per step) makes a retried
    activity a no-op."""

    ticket_id: str
    workflow_id: str
    policy_version: str | None = None
    entries: list[AuditEntry]
    dedupe_key: str


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


class PolicyLoadInput(BaseModel):
    name: Literal["refund"] = "refund"


class ProcessPolicyInput(BaseModel):
    """Which process's policy file to load (`policies/<name>.json`)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")


# Models owned by integrations/ (the systems that read and write them) are part of this
# contract too; workflows and activities keep importing them from here.
__all__ = [
    "AdjustmentRecord",
    "ApprovalClickRecord",
    "ApprovalDecisionRecord",
    "ApprovalMessageRef",
    "ApprovalNotice",
    "ApprovalRequestRecord",
    "AuditEntry",
    "CaseOutcomeRecord",
    "CaseState",
    "CustomerContext",
    "CustomerReply",
    "OrderInfo",
    "OrderLineInfo",
    "PolicySnapshot",
    "RecordedDecision",
    "RefundDecision",
    "RefundResult",
    "RefundSummary",
]
