"""The approval step shared by money-moving processes.

An `ApprovalGate` holds one request at a time. Its `validate` runs as the Update validator, so a
refused decision leaves no trace in history; `apply` re-checks, because two decisions can pass
their validators in the same workflow task before either handler runs (two approvers clicking at
once on a single-approval case must not both win).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from temporalio.exceptions import ApplicationError

from workflows.models import ApprovalDecision, ApprovalReceipt, PendingApproval

GateStatus = Literal["idle", "pending", "approved", "rejected", "expired"]


def _refuse(error_type: str, message: str) -> ApplicationError:
    return ApplicationError(message, type=error_type, non_retryable=True)


class ApprovalGate:
    """Decides who may approve what, once. Deterministic: no I/O, time passed in by the workflow."""

    def __init__(self) -> None:
        self.status: GateStatus = "idle"
        self.pending: PendingApproval | None = None
        self.decisions: list[tuple[ApprovalDecision, datetime]] = []
        self.rejection: ApprovalDecision | None = None

    def open(self, request: PendingApproval) -> None:
        """A new request voids any earlier one: decisions are bound to its id and amount."""
        self.pending = request
        self.status = "pending"
        self.decisions = []
        self.rejection = None

    @property
    def settled(self) -> bool:
        return self.status in ("approved", "rejected", "expired")

    def validate(self, decision: ApprovalDecision) -> None:
        pending = self.pending
        if self.status == "expired":
            raise _refuse("ApprovalExpired", "This approval request has expired.")
        if self.status in ("approved", "rejected"):
            raise _refuse("AlreadyDecided", f"This case was already {self.status}.")
        if pending is None:
            raise _refuse("NoPendingApproval", "This case is not waiting for an approval.")
        if decision.request_id != pending.request_id:
            raise _refuse(
                "StaleApprovalRequest",
                "This approval request is no longer current; reload the case and decide again.",
            )
        if decision.amount_cents is not None and decision.amount_cents != pending.amount_cents:
            raise _refuse(
                "StaleApprovalRequest",
                f"The amount changed to {pending.amount_cents} cents since this request was shown.",
            )
        if decision.approver not in pending.approvers:
            raise _refuse(
                "NotAnApprover", f"{decision.approver} may not decide {pending.level} approvals."
            )
        if decision.approver == pending.requested_by:
            raise _refuse("SelfApproval", "Requesters cannot decide their own case.")
        if decision.approver in pending.approved_by:
            raise _refuse(
                "AlreadyDecided",
                f"{decision.approver} already approved; a different approver "
                "must give the next approval.",
            )

    def apply(self, decision: ApprovalDecision, now: datetime) -> ApprovalReceipt:
        self.validate(decision)
        assert self.pending is not None
        self.decisions.append((decision, now))
        if decision.decision == "reject":
            self.status = "rejected"
            self.rejection = decision
        else:
            self.pending.approved_by.append(decision.approver)
            if len(self.pending.approved_by) >= self.pending.required_approvals:
                self.status = "approved"
        status: Literal["pending", "approved", "rejected"] = (
            "rejected"
            if self.status == "rejected"
            else "approved"
            if self.status == "approved"
            else "pending"
        )
        return ApprovalReceipt(
            request_id=self.pending.request_id,
            approver=decision.approver,
            decision=decision.decision,
            status=status,
            approvals_received=len(self.pending.approved_by),
            required_approvals=self.pending.required_approvals,
        )

    def expire(self) -> None:
        self.status = "expired"

    def widen(self, approvers: list[str]) -> None:
        """Escalation lets the next level decide too; the request id and amount stay the same."""
        if self.pending is not None:
            extra = [a for a in approvers if a not in self.pending.approvers]
            self.pending.approvers.extend(extra)
