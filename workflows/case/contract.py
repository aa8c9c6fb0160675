"""The contract every process shares: case ids, the status query, the approval Update and the
status every process reports (each process's own status adds its fields).

Backends may start workflows with the Temporal client directly, so names and fields here are a
public API: add optional fields, never rename or remove.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from activities.models import CaseState

STATUS_QUERY = "status"
DECIDE_APPROVAL_UPDATE = "decide_approval"


CASE_WORKFLOW_PREFIX = "ticket-"


def case_workflow_id(ticket_id: str) -> str:
    """One workflow id per ticket, whatever process handles it, so a ticket can start only one case."""
    return f"{CASE_WORKFLOW_PREFIX}{ticket_id}"


def process_workflow_id(case_id: str, process: str) -> str:
    """The id of the process a triaged case starts as a child, e.g. `refund-of-ticket-T-1002`.

    Every case id starts with `ticket-`; a child id starts with the process name instead, so no
    ticket id can ever produce it (the old `<case id>-refund` form was reachable by filing a
    ticket named `T-1002-refund`).
    """
    if process + "-" == CASE_WORKFLOW_PREFIX:
        raise ValueError(f"a process cannot be named {process!r}")
    return f"{process}-of-{case_id}"


class PendingApproval(BaseModel):
    request_id: str
    level: str
    amount_cents: int
    currency: str
    charge_id: str
    required_approvals: int
    approved_by: list[str] = []
    approvers: list[str]
    requested_by: str
    rule: str
    reason: str
    expires_at: datetime
    reminded: bool = False


class CaseStatus(BaseModel):
    """What the `status` query returns: where the case stands, and why."""

    ticket_id: str
    workflow_id: str
    process: str
    state: CaseState
    customer_id: str | None = None
    order_id: str | None = None
    amount_cents: int | None = None
    currency: str | None = None
    policy_version: str | None = None
    decision_rule: str | None = None
    decision_reason: str | None = None
    pending_approval: PendingApproval | None = None
    resolution: str | None = None
    updated_at: datetime | None = None
    # The workflow type that answered (set when the case opens): how a reader picks the
    # process's status model. Absent on cases opened before it existed.
    workflow_type: str | None = None

    def summary_lines(self) -> list[str]:
        """The process's own facts, one line each, for people at a terminal (`supportflow
        status`); the kernel's fields (state, amount, policy, approval) are shown by the reader."""
        return []


class ApprovalDecision(BaseModel):
    """Argument of the `decide_approval` Update. `amount_cents`, when given, must match what the
    approver was shown; otherwise the decision is refused as stale."""

    request_id: str = Field(min_length=1, max_length=64)
    approver: str = Field(min_length=1, max_length=64)
    decision: Literal["approve", "reject"]
    reason: str | None = Field(None, max_length=2_000)
    amount_cents: int | None = Field(None, gt=0)
    channel: str = Field("api", max_length=32)


class ApprovalReceipt(BaseModel):
    """What a decision did. `approved` only when the refund will follow; `superseded` when the
    approvals were complete but what they approved no longer holds (the charge was refunded
    elsewhere meanwhile, the limits now need another level): no money moves, `message` says why
    and the case goes to a person."""

    request_id: str
    approver: str
    decision: Literal["approve", "reject"]
    status: Literal["pending", "approved", "rejected", "superseded"]
    approvals_received: int
    required_approvals: int
    message: str | None = None
