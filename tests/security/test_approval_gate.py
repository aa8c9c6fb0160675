"""The approval gate on its own: exact deadlines, decisions that stay decided, one identity.

Pure and deterministic (the workflow passes the time in), so these run without a server; the
same rules are exercised end to end in tests/workflows/refund/test_approval_trust.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from temporalio.exceptions import ApplicationError

from workflows.case.approval_gate import ApprovalGate
from workflows.case.contract import ApprovalDecision, PendingApproval

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
EXPIRES = NOW + timedelta(hours=24)


def _gate(required: int = 1, requested_by: str = "Customer-Agent") -> ApprovalGate:
    gate = ApprovalGate()
    gate.open(
        PendingApproval(
            request_id="req-1",
            level="dual" if required > 1 else "single",
            amount_cents=18_000,
            currency="usd",
            charge_id="ch_1",
            required_approvals=required,
            approvers=["alice", "bob", "carol"],
            requested_by=requested_by,
            rule="single_approval_required",
            reason="above the auto-approve limit",
            expires_at=EXPIRES,
        )
    )
    return gate


def _decision(approver: str, decision: str = "approve") -> ApprovalDecision:
    return ApprovalDecision(
        request_id="req-1",
        approver=approver,
        decision=decision,  # type: ignore[arg-type]
        reason=None if decision == "approve" else "used item",
    )


def _refusal(gate: ApprovalGate, decision: ApprovalDecision, now: datetime) -> str:
    with pytest.raises(ApplicationError) as info:
        gate.validate(decision, now)
    return info.value.type or ""


@pytest.mark.parametrize("late", [timedelta(0), timedelta(seconds=1), timedelta(days=3)])
def test_a_decision_at_or_after_the_deadline_is_refused_before_the_timer_fires(
    late: timedelta,
) -> None:
    gate = _gate()
    assert gate.status == "pending"  # the expiry timer has not fired
    assert _refusal(gate, _decision("alice"), EXPIRES + late) == "ApprovalExpired"


def test_a_decision_just_before_the_deadline_counts() -> None:
    gate = _gate()
    receipt = gate.apply(_decision("alice"), EXPIRES - timedelta(seconds=1))
    assert receipt.status == "approved"


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_expiry_never_overwrites_a_decision_already_applied(decision: str) -> None:
    gate = _gate()
    gate.apply(_decision("alice", decision), NOW)
    assert gate.expire() is False
    assert gate.status == ("approved" if decision == "approve" else "rejected")


def test_expiry_of_an_undecided_request() -> None:
    gate = _gate()
    assert gate.expire() is True
    assert _refusal(gate, _decision("alice"), NOW) == "ApprovalExpired"


@pytest.mark.parametrize(
    "spelling", ["Alice", "ALICE", " alice ", "\uff41\uff4c\uff49\uff43\uff45"]
)
def test_one_person_cannot_give_both_approvals_by_spelling_their_id_differently(
    spelling: str,
) -> None:
    gate = _gate(required=2)
    gate.apply(_decision("alice"), NOW)
    assert _refusal(gate, _decision(spelling), NOW) == "AlreadyDecided"
    assert gate.pending is not None and gate.pending.approved_by == ["alice"]


@pytest.mark.parametrize("requester", ["Alice", "ALICE", "alice "])
def test_requesters_cannot_approve_their_own_case_whatever_the_case_of_their_id(
    requester: str,
) -> None:
    gate = _gate(requested_by=requester)
    assert _refusal(gate, _decision("alice"), NOW) == "SelfApproval"


def test_approver_ids_are_recognised_in_any_case() -> None:
    gate = _gate()
    receipt = gate.apply(_decision("Bob"), NOW)
    assert (receipt.status, receipt.approver) == ("approved", "bob")


def test_the_last_approval_waits_for_confirmation_and_then_says_what_happened() -> None:
    gate = _gate(required=2)
    gate.apply(_decision("alice"), NOW)
    assert gate.completes(_decision("bob"))
    receipt = gate.apply(_decision("bob"), NOW, confirm=True)
    assert gate.status == "confirming" and not gate.settled
    assert receipt.status == "pending"
    # Nobody else can slip in while the action is being confirmed, and expiry cannot win.
    assert _refusal(gate, _decision("carol"), NOW) == "AlreadyDecided"
    assert gate.expire() is False
    gate.confirm_action("the charge was refunded in full meanwhile")
    receipt = gate.receipt(_decision("bob"))
    assert gate.settled and gate.status == "superseded"
    assert (receipt.status, receipt.message) == (
        "superseded",
        "the charge was refunded in full meanwhile",
    )


def test_a_confirmed_approval_is_approved() -> None:
    gate = _gate()
    gate.apply(_decision("alice"), NOW, confirm=True)
    gate.confirm_action(None)
    assert gate.receipt(_decision("alice")).status == "approved"
