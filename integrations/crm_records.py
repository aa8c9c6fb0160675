"""What the CRM store reads and writes for a case: customers, audit entries, approvals, outcomes.

Plain pydantic models with no database imports, so the activity contract (`activities.models`)
can re-export them and workflow code can still import them inside the sandbox. They travel in
Temporal histories as JSON: class and field names are part of that contract, the module is not.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

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


class RefundSummary(BaseModel):
    ticket_id: str
    order_id: str
    amount_cents: int
    currency: str
    created_at: datetime


class CustomerContext(BaseModel):
    customer_id: str
    name: str
    email: str
    tier: str
    recent_refund_count: int
    recent_refunds: list[RefundSummary] = []


class RecordedDecision(BaseModel):
    """What a process's policy decided and every fact it decided on, kept with the audit entry
    that notes the decision so a later policy can be backtested on the same facts. `facts` is
    the process's own model as JSON (policies/decision_facts.py)."""

    process: str
    verdict: str
    rule: str
    amount_cents: int = 0
    approval_level: str | None = None
    required_approvals: int = 0
    facts: dict[str, Any]


class AuditEntry(BaseModel):
    actor: str
    action: str
    detail: str = ""
    at: datetime
    # Only on the entry noting a policy decision; stored in `decision_facts` beside the audit.
    decision: RecordedDecision | None = None


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


class CustomerReply(BaseModel):
    subject: str
    body: str
    citations: list[dict[str, str]] = []


# The billing activity returns it; it is here because the case outcome records it in the CRM.
class RefundResult(BaseModel):
    refund_id: str
    charge_id: str
    amount_cents: int
    currency: str
    status: str
    found_existing: bool = False


class AdjustmentRecord(BaseModel):
    """Money a case moved other than its refund row: each becomes one CRM row, so the limits
    of every process count it. `method` "credit" is a customer balance credit (no Stripe refund
    on the charge shows it); `object_id` is the Stripe refund or balance transaction id."""

    method: Literal["refund", "credit"]
    object_id: str
    charge_id: str
    order_id: str | None = None
    amount_cents: int
    currency: str


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
    # Added with billing adjustments (default: none, as recorded before).
    adjustments: list[AdjustmentRecord] = []
