"""Limits count the whole: refunds on the order within the window, money in flight, open cases.

Facts are built as the workflow builds them: Stripe's live refunds on the charge count both in
`already_refunded_cents` (what is left to refund) and, when inside the cumulative window, in
`refunded_on_order_in_window_cents` (what the limits add up).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.loader import load_refund_policy
from policies.refund_policy import (
    RefundFacts,
    RefundPolicy,
    Verdict,
    cumulative_since,
    cumulative_window_days,
    evaluate_refund,
)

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
POLICY: RefundPolicy = load_refund_policy().policy


def facts(
    *,
    tier: str = "standard",
    charge: int = 15_000,
    refunded: int = 0,
    in_window: int | None = None,
    requested: int | None = None,
    in_flight: int = 0,
    recent: int = 0,
    open_cases: int = 0,
) -> RefundFacts:
    return RefundFacts(
        customer_tier=tier,
        order_placed_at=NOW - timedelta(days=3),
        charge_amount_cents=charge,
        already_refunded_cents=refunded,
        requested_amount_cents=requested,
        recent_refund_count=recent,
        now=NOW,
        refunded_on_order_in_window_cents=in_window,
        in_flight_cents=in_flight,
        in_flight_refund_count=open_cases,
    )


def test_a_split_refund_needs_the_approval_the_whole_would() -> None:
    whole = evaluate_refund(POLICY, facts(requested=15_000))
    first = evaluate_refund(POLICY, facts(requested=5_000, in_window=0))
    second = evaluate_refund(POLICY, facts(requested=5_000, refunded=5_000, in_window=5_000))
    third = evaluate_refund(POLICY, facts(requested=5_000, refunded=10_000, in_window=10_000))

    assert whole.approval_level == "single"
    assert first.verdict is Verdict.AUTO_APPROVE
    assert (second.verdict, second.approval_level) == (Verdict.NEEDS_APPROVAL, "single")
    assert (third.verdict, third.approval_level, third.amount_cents) == (
        Verdict.NEEDS_APPROVAL,
        "single",
        5_000,
    )
    assert third.reason == (
        "50.00 brings refunds on this order to 150.00 within 30 days, above the auto-approve "
        "limit of 50.00; one approver must agree."
    )


CASES = [
    # name, facts, outcome, rule, level
    (
        "cumulative at the auto limit is inclusive",
        facts(requested=3_000, refunded=2_000, in_window=2_000),
        Verdict.AUTO_APPROVE,
        "within_auto_approve_limit",
        None,
    ),
    (
        "one cent over auto in total",
        facts(requested=3_001, refunded=2_000, in_window=2_000),
        Verdict.NEEDS_APPROVAL,
        "single_approval_required",
        "single",
    ),
    (
        "cumulative crosses the single limit",
        facts(charge=60_000, requested=10_000, refunded=45_000, in_window=45_000),
        Verdict.NEEDS_APPROVAL,
        "dual_approval_required",
        "dual",
    ),
    (
        "refunds outside the window do not count",
        facts(requested=5_000, refunded=10_000, in_window=0),
        Verdict.AUTO_APPROVE,
        "within_auto_approve_limit",
        None,
    ),
    (
        "gold: cumulative within its auto limit",
        facts(tier="gold", requested=5_000, refunded=5_000, in_window=5_000),
        Verdict.AUTO_APPROVE,
        "within_auto_approve_limit",
        None,
    ),
    (
        "gold: cumulative over its auto limit",
        facts(tier="gold", requested=5_000, refunded=5_001, in_window=5_001),
        Verdict.NEEDS_APPROVAL,
        "single_approval_required",
        "single",
    ),
    (
        "vip: cumulative over its single limit",
        facts(tier="vip", charge=200_000, requested=20_000, refunded=90_000, in_window=90_000),
        Verdict.NEEDS_APPROVAL,
        "dual_approval_required",
        "dual",
    ),
    (
        "money in flight on the order adds up",
        facts(requested=3_000, in_flight=3_000),
        Verdict.NEEDS_APPROVAL,
        "single_approval_required",
        "single",
    ),
    (
        "money in flight is not refundable twice",
        facts(charge=4_000, requested=3_000, in_flight=2_000),
        Verdict.DENY,
        "exceeds_refundable",
        None,
    ),
    (
        "in flight holds the rest of the charge",
        facts(charge=4_000, refunded=1_000, in_flight=3_000),
        Verdict.DENY,
        "nothing_refundable",
        None,
    ),
    (
        "open cases count toward the refund limit",
        facts(requested=1_000, recent=2, open_cases=1),
        Verdict.DENY,
        "too_many_refunds",
        None,
    ),
    (
        "open cases alone can reach the limit",
        facts(requested=1_000, open_cases=3),
        Verdict.DENY,
        "too_many_refunds",
        None,
    ),
    (
        "below the limit with open cases",
        facts(requested=1_000, recent=1, open_cases=1),
        Verdict.AUTO_APPROVE,
        "within_auto_approve_limit",
        None,
    ),
]


@pytest.mark.parametrize(
    ("name", "case", "outcome", "rule", "level"), CASES, ids=[c[0] for c in CASES]
)
def test_cumulative_table(name, case, outcome, rule, level) -> None:
    decision = evaluate_refund(POLICY, case)
    assert (decision.verdict, decision.rule, decision.approval_level) == (outcome, rule, level)


def test_reasons_say_what_was_counted() -> None:
    in_flight = evaluate_refund(POLICY, facts(requested=3_000, in_flight=3_000))
    too_many = evaluate_refund(POLICY, facts(requested=1_000, recent=2, open_cases=1))
    gold = evaluate_refund(
        POLICY, facts(tier="gold", requested=5_000, refunded=5_000, in_window=5_000)
    )

    assert in_flight.reason == (
        "30.00 brings refunds on this order to 60.00 within 30 days (including 30.00 held by "
        "another open case), above the auto-approve limit of 50.00; one approver must agree."
    )
    assert too_many.reason == (
        "The customer already had 2 refunds in the last 90 days plus 1 still open (limit 3)."
    )
    assert gold.reason == (
        "50.00 brings refunds on this order to 100.00 within 60 days, within the auto-approve "
        "limit of 100.00 for gold customers."
    )


@pytest.mark.parametrize(
    ("tier", "days"), [("standard", 30), ("gold", 60), ("vip", 90), ("platinum", 30)]
)
def test_window_per_tier(tier: str, days: int) -> None:
    assert cumulative_window_days(POLICY, tier) == days
    assert cumulative_since(POLICY, tier, NOW) == NOW - timedelta(days=days)


def test_window_defaults_to_the_refund_window() -> None:
    # Policy files (and snapshots in running workflows' history) from before refund-2026-12-01.
    raw = POLICY.model_dump(exclude={"cumulative_window_days"})
    for override in raw["tier_overrides"].values():
        override.pop("cumulative_window_days")
    old = RefundPolicy.model_validate(raw)

    assert old.cumulative_window_days is None
    assert [cumulative_window_days(old, t) for t in ("standard", "gold", "vip")] == [30, 60, 90]


def test_tier_window_overrides_the_policy_window() -> None:
    policy = POLICY.model_copy(update={"cumulative_window_days": 10})
    assert cumulative_window_days(policy, "standard") == 10
    assert cumulative_window_days(policy, "gold") == 60


def test_facts_of_the_old_shape_still_validate() -> None:
    # RefundFacts as recorded by workflow code that predates cumulative limits.
    old = facts().model_dump(
        mode="json",
        exclude={"refunded_on_order_in_window_cents", "in_flight_cents", "in_flight_refund_count"},
    )
    restored = RefundFacts.model_validate(old)
    assert (restored.refunded_on_order_in_window_cents, restored.in_flight_cents) == (None, 0)
    assert restored.in_flight_refund_count == 0


@given(
    tier=st.sampled_from(["standard", "gold", "vip", "other"]),
    charge=st.integers(0, 300_000),
    refunded=st.integers(0, 300_000),
    requested=st.none() | st.integers(1, 300_000),
    recent=st.integers(0, 5),
)
def test_without_new_facts_nothing_changes(tier, charge, refunded, requested, recent) -> None:
    # No earlier refunds in the window and nothing in flight: the per-request decision, with the
    # reason word for word, whether the workflow passed the new facts or not.
    base = facts(
        tier=tier, charge=charge, refunded=min(refunded, charge), requested=requested, recent=recent
    )
    explicit = base.model_copy(update={"refunded_on_order_in_window_cents": 0})
    decision = evaluate_refund(POLICY, base)
    assert evaluate_refund(POLICY, explicit) == decision
    assert "brings refunds" not in decision.reason
