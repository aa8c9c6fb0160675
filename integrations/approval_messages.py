"""The approval message an approver sees (in Slack, or the outbox without it) and where it lives.

Plain pydantic models, rendered by `slack_blocks` and posted by `slack_approvals`; the activity
contract re-exports them, so they import nothing of the Slack SDK.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from integrations.crm_records import RefundSummary


class ApprovalNotice(BaseModel):
    """Everything an approver needs to decide from the message alone. URLs are built by the chat
    activity from its own settings (API / Temporal UI base URLs) and the workflow id.

    It describes an action, whatever the process: `action` says what is approved in words (a
    refund, a billing adjustment, an onboarding exception), `target` what it acts on, and `lines`
    the process's own facts the approver must see. The order and refund fields are shown when
    a process fills them."""

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
    action: str = "refund"
    target: str | None = None
    lines: list[str] = []
    order_id: str | None = None
    amount_cents: int
    currency: str
    refundable_cents: int | None = None
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
