"""The approval step shared by money-moving processes.

An `ApprovalGate` holds one request at a time. Its `validate` runs as the Update validator, so a
refused decision leaves no trace in history; `apply` re-checks, because two decisions can pass
their validators in the same workflow task before either handler runs (two approvers clicking at
once on a single-approval case must not both win).

Identities are compared in their canonical form (`policies.identity`): `Alice` and `alice` are
one approver, who can neither approve twice nor approve a case they requested.

When the last approval arrives the gate can hold in `confirming` while the workflow re-checks
the action against the system of record; only then does it say `approved` (the refund will
follow) or `superseded` (it will not, and why). Decisions after `expires_at` are refused even if
the expiry timer has not fired yet, and an expiry never overwrites a decision already applied.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from temporalio.exceptions import ApplicationError

from policies.identity import canonical_person_id
from workflows.case.contract import ApprovalDecision, ApprovalReceipt, PendingApproval

GateStatus = Literal[
    "idle", "pending", "confirming", "approved", "rejected", "expired", "superseded"
]
_SETTLED: frozenset[GateStatus] = frozenset({"approved", "rejected", "expired", "superseded"})


def _refuse(error_type: str, message: str) -> ApplicationError:
    return ApplicationError(message, type=error_type, non_retryable=True)


class ApprovalGate:
    """Decides who may approve what, once. Deterministic: no I/O, time passed in by the workflow."""

    def __init__(self) -> None:
        self.status: GateStatus = "idle"
        self.pending: PendingApproval | None = None
        self.decisions: list[tuple[ApprovalDecision, datetime]] = []
        self.rejection: ApprovalDecision | None = None
        self.superseded_reason: str | None = None

    def open(self, request: PendingApproval) -> None:
        """A new request voids any earlier one: decisions are bound to its id and amount."""
        self.pending = request
        self.status = "pending"
        self.decisions = []
        self.rejection = None
        self.superseded_reason = None

    @property
    def settled(self) -> bool:
        return self.status in _SETTLED

    def validate(self, decision: ApprovalDecision, now: datetime | None = None) -> None:
        pending = self.pending
        if self.status == "expired":
            raise _refuse("ApprovalExpired", "This approval request has expired.")
        if self.status in ("approved", "rejected", "superseded"):
            raise _refuse("AlreadyDecided", f"This case was already {self.status}.")
        if self.status == "confirming":
            raise _refuse(
                "AlreadyDecided", "The approvals are complete; the refund is being checked."
            )
        if pending is None:
            raise _refuse("NoPendingApproval", "This case is not waiting for an approval.")
        if now is not None and now >= pending.expires_at:
            # The expiry timer may not have fired yet in this workflow task: the deadline is
            # the request's, not the timer's.
            raise _refuse(
                "ApprovalExpired",
                f"This approval request expired at {pending.expires_at:%Y-%m-%d %H:%M} UTC.",
            )
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
        approver = canonical_person_id(decision.approver)
        if approver not in {canonical_person_id(a) for a in pending.approvers}:
            raise _refuse(
                "NotAnApprover", f"{decision.approver} may not decide {pending.level} approvals."
            )
        if approver == canonical_person_id(pending.requested_by):
            raise _refuse("SelfApproval", "Requesters cannot decide their own case.")
        if approver in {canonical_person_id(a) for a in pending.approved_by}:
            raise _refuse(
                "AlreadyDecided",
                f"{decision.approver} already approved; a different approver "
                "must give the next approval.",
            )

    def completes(self, decision: ApprovalDecision) -> bool:
        """Whether this (valid) decision would give the last approval the request needs."""
        pending = self.pending
        return (
            pending is not None
            and decision.decision == "approve"
            and len(pending.approved_by) + 1 >= pending.required_approvals
        )

    def apply(
        self, decision: ApprovalDecision, now: datetime, *, confirm: bool = False
    ) -> ApprovalReceipt:
        """Records a decision. With `confirm`, the last approval leaves the gate `confirming`
        until `confirm_action` says whether the action still holds."""
        self.validate(decision, now)
        assert self.pending is not None
        self.decisions.append((decision, now))
        if decision.decision == "reject":
            self.status = "rejected"
            self.rejection = decision
        else:
            self.pending.approved_by.append(canonical_person_id(decision.approver))
            if len(self.pending.approved_by) >= self.pending.required_approvals:
                self.status = "confirming" if confirm else "approved"
        return self.receipt(decision)

    def confirm_action(self, problem: str | None) -> None:
        """Ends `confirming`: approved when nothing is wrong, superseded (with why) otherwise."""
        if self.status != "confirming":
            return
        if problem is None:
            self.status = "approved"
        else:
            self.status = "superseded"
            self.superseded_reason = problem

    def supersede(self, reason: str) -> None:
        """Ends a request still open because the action happened elsewhere; later decisions are
        refused."""
        if self.status in ("pending", "confirming"):
            self.status = "superseded"
            self.superseded_reason = reason

    def receipt(self, decision: ApprovalDecision) -> ApprovalReceipt:
        assert self.pending is not None
        status: Literal["pending", "approved", "rejected", "superseded"] = "pending"
        if self.status in ("approved", "rejected", "superseded"):
            status = self.status  # type: ignore[assignment]
        return ApprovalReceipt(
            request_id=self.pending.request_id,
            approver=canonical_person_id(decision.approver),
            decision=decision.decision,
            status=status,
            approvals_received=len(self.pending.approved_by),
            required_approvals=self.pending.required_approvals,
            message=self.superseded_reason if status == "superseded" else None,
        )

    def expire(self) -> bool:
        """Expires a request still waiting for decisions; a decided one stays decided."""
        if self.status != "pending":
            return False
        self.status = "expired"
        return True

    def widen(self, approvers: list[str]) -> None:
        """Escalation lets the next level decide too; the request id and amount stay the same."""
        if self.pending is not None:
            known = {canonical_person_id(a) for a in self.pending.approvers}
            extra = [canonical_person_id(a) for a in approvers]
            self.pending.approvers.extend(a for a in dict.fromkeys(extra) if a not in known)
