"""Table-driven checks of the refund policy: every rule, tier override and boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from policies.loader import load_refund_policy
from policies.refund_policy import RefundFacts, RefundPolicy, Verdict, evaluate_refund

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
POLICY: RefundPolicy = load_refund_policy().policy


def facts(
    *,
    tier: str = "standard",
    age_days: float = 3,
    charge: int = 4_000,
    refunded: int = 0,
    requested: int | None = None,
    recent: int = 0,
) -> RefundFacts:
    return RefundFacts(
        customer_tier=tier,
        order_placed_at=NOW - timedelta(days=age_days),
        charge_amount_cents=charge,
        already_refunded_cents=refunded,
        requested_amount_cents=requested,
        recent_refund_count=recent,
        now=NOW,
    )


CASES = [
    # name, facts, outcome, rule, amount, level
    (
        "small standard",
        facts(charge=4_000),
        Verdict.AUTO_APPROVE,
        "within_auto_approve_limit",
        4_000,
        None,
    ),
    (
        "auto limit is inclusive",
        facts(charge=5_000),
        Verdict.AUTO_APPROVE,
        "within_auto_approve_limit",
        5_000,
        None,
    ),
    (
        "one cent over auto",
        facts(charge=5_001),
        Verdict.NEEDS_APPROVAL,
        "single_approval_required",
        5_001,
        "single",
    ),
    (
        "single limit inclusive",
        facts(charge=50_000),
        Verdict.NEEDS_APPROVAL,
        "single_approval_required",
        50_000,
        "single",
    ),
    (
        "dual above single",
        facts(charge=50_001),
        Verdict.NEEDS_APPROVAL,
        "dual_approval_required",
        50_001,
        "dual",
    ),
    (
        "gold auto override",
        facts(tier="gold", charge=9_000),
        Verdict.AUTO_APPROVE,
        "within_auto_approve_limit",
        9_000,
        None,
    ),
    (
        "vip single override",
        facts(tier="vip", charge=90_000),
        Verdict.NEEDS_APPROVAL,
        "single_approval_required",
        90_000,
        "single",
    ),
    (
        "partial request",
        facts(charge=20_000, requested=1_500),
        Verdict.AUTO_APPROVE,
        "within_auto_approve_limit",
        1_500,
        None,
    ),
    (
        "remainder after refund",
        facts(charge=20_000, refunded=17_000),
        Verdict.AUTO_APPROVE,
        "within_auto_approve_limit",
        3_000,
        None,
    ),
    (
        "request above refundable",
        facts(charge=4_000, refunded=1_000, requested=3_500),
        Verdict.DENY,
        "exceeds_refundable",
        0,
        None,
    ),
    (
        "fully refunded",
        facts(charge=4_000, refunded=4_000),
        Verdict.DENY,
        "nothing_refundable",
        0,
        None,
    ),
    ("outside window", facts(age_days=31), Verdict.DENY, "outside_refund_window", 0, None),
    (
        "window edge inside",
        facts(age_days=30),
        Verdict.AUTO_APPROVE,
        "within_auto_approve_limit",
        4_000,
        None,
    ),
    (
        "gold longer window",
        facts(tier="gold", age_days=45),
        Verdict.AUTO_APPROVE,
        "within_auto_approve_limit",
        4_000,
        None,
    ),
    ("too many refunds", facts(recent=3), Verdict.DENY, "too_many_refunds", 0, None),
    (
        "below refund count",
        facts(recent=2),
        Verdict.AUTO_APPROVE,
        "within_auto_approve_limit",
        4_000,
        None,
    ),
    (
        "unknown tier uses defaults",
        facts(tier="platinum", charge=6_000),
        Verdict.NEEDS_APPROVAL,
        "single_approval_required",
        6_000,
        "single",
    ),
]


@pytest.mark.parametrize(
    ("name", "case", "outcome", "rule", "amount", "level"), CASES, ids=[c[0] for c in CASES]
)
def test_refund_policy_table(name, case, outcome, rule, amount, level) -> None:
    decision = evaluate_refund(POLICY, case)
    assert (decision.verdict, decision.rule, decision.amount_cents, decision.approval_level) == (
        outcome,
        rule,
        amount,
        level,
    )
    assert decision.reason  # a human-readable reason always accompanies the rule


def test_dual_approval_requires_two_approvers() -> None:
    decision = evaluate_refund(POLICY, facts(charge=80_000))
    assert decision.required_approvals == 2


def test_amount_never_exceeds_refundable() -> None:
    for requested in (None, 1, 2_999, 3_000, 3_001, 10_000_000):
        d = evaluate_refund(POLICY, facts(charge=20_000, refunded=17_000, requested=requested))
        assert d.amount_cents <= d.refundable_cents == 3_000


def test_policy_hash_changes_with_content(tmp_path) -> None:
    original = load_refund_policy()
    changed = tmp_path / "p.json"
    changed.write_text(
        original.policy.model_copy(update={"refund_window_days": 14}).model_dump_json()
    )
    assert load_refund_policy(changed).sha256 != original.sha256
