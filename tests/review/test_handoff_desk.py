"""The hand-off desk's rules as pure table tests: who may act, when, with what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from temporalio.exceptions import ApplicationError

from policies.loader import load_routing_policy
from policies.routing_policy import RoutingPolicy
from workflows.ticket.review_contract import (
    HandbackInstruction,
    HandoffAction,
    HandoffReview,
    ReopenRequest,
)
from workflows.ticket.review_desk import HandoffDesk

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def policy() -> RoutingPolicy:
    return load_routing_policy().policy


def desk(draft: str | None = None) -> HandoffDesk:
    d = HandoffDesk()
    review = HandoffReview(
        handoff_id="h1", state="waiting", urgency="normal", opened_at=NOW, draft=draft
    )
    d.open(review, policy(), frozenset({"refund"}))
    return d


def refusal(d: HandoffDesk, action: HandoffAction) -> str:
    with pytest.raises(ApplicationError) as refused:
        d.validate(action)
    return refused.value.type or ""


def test_two_claims_in_one_task_one_wins() -> None:
    d = desk()
    alice, bob = (
        HandoffAction(action="claim", person="alice"),
        HandoffAction(action="claim", person="bob"),
    )
    d.validate(alice)
    d.validate(bob)  # both validators ran before either handler
    d.apply(alice, NOW)
    with pytest.raises(ApplicationError) as refused:
        d.apply(bob, NOW)
    assert refused.value.type == "ClaimedByOther"
    assert d.review is not None and d.review.claimed_by == "alice"
    assert [a.person for a in d.queue] == ["alice"]


def test_identities_are_canonical_and_a_repeated_claim_is_a_no_op() -> None:
    d = desk()
    d.apply(HandoffAction(action="claim", person=" Alice"), NOW)
    receipt = d.apply(HandoffAction(action="claim", person="ALICE"), NOW)
    assert receipt.claimed_by == "alice" and len(d.queue) == 1


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (HandoffAction(action="claim", person="mallory"), "NotAnAgent"),
        (HandoffAction(action="send", person="alice"), "NoDraft"),
        (HandoffAction(action="resolve", person="alice", note="  "), "InvalidHandoffAction"),
        (HandoffAction(action="reassign", person="alice"), "InvalidHandoffAction"),
        (
            HandoffAction(action="reassign", person="alice", assign_to_person="mallory"),
            "InvalidHandoffAction",
        ),
        (HandoffAction(action="claim", person="alice", handoff_id="h0"), "StaleHandoff"),
        (
            HandoffAction(
                action="handback",
                person="alice",
                instruction=HandbackInstruction(kind="start_process", process="billing_dispute"),
            ),
            "InvalidHandoffAction",
        ),
        (
            HandoffAction(
                action="handback",
                person="alice",
                instruction=HandbackInstruction(kind="ask_customer"),
            ),
            "InvalidHandoffAction",
        ),
    ],
)
def test_refusals(action: HandoffAction, expected: str) -> None:
    assert refusal(desk(), action) == expected


def test_reopen_only_within_the_window_and_once() -> None:
    d = desk()
    request = ReopenRequest(text="again")
    with pytest.raises(ApplicationError):
        d.validate_reopen(request, NOW)  # not resolved yet
    d.apply(HandoffAction(action="resolve", person="bob", note="done"), NOW)
    # The window opens with the answer, before the case has recorded it.
    assert d.review is not None and d.review.reopen_until == NOW + timedelta(hours=168)
    with pytest.raises(ApplicationError):
        d.validate_reopen(request, NOW + timedelta(hours=169))
    assert d.apply_reopen(request, NOW + timedelta(hours=1)) == 1
    with pytest.raises(ApplicationError):
        d.validate_reopen(request, NOW + timedelta(hours=2))


def test_draft_actions() -> None:
    d = desk(draft="Hello")
    assert {"send", "edit_send", "reject"} <= set(d.allowed_actions())
    d.apply(HandoffAction(action="reject", person="erin"), NOW)
    assert "send" not in d.allowed_actions()
    assert refusal(d, HandoffAction(action="send", person="erin")) == "NoDraft"
    d.apply(HandoffAction(action="resolve", person="erin", note="own reply", reply="Hi"), NOW)
    assert d.allowed_actions() == []
