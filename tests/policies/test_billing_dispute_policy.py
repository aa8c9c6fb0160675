"""The billing-dispute policy file and its decision, as a table: the limits count the adjustment
with what was already refunded on the same charges in the window and what other cases hold."""

from __future__ import annotations

import pytest

from policies.billing_discrepancies import DiscrepancyKind
from policies.billing_dispute import BillingDisputePolicy, decide_adjustment
from policies.loader import load_policy_document

POLICY = BillingDisputePolicy.model_validate(load_policy_document("billing_dispute").data)


@pytest.mark.parametrize(
    ("amount", "prior", "in_flight", "rule", "level"),
    [
        (2_500, 0, 0, "within_auto_adjust_limit", None),
        (5_000, 0, 0, "within_auto_adjust_limit", None),
        (5_001, 0, 0, "single_approval_required", "single"),
        # Split over tickets: 30.00 already refunded on the charge makes 25.00 need approval.
        (2_500, 3_000, 0, "single_approval_required", "single"),
        (2_500, 0, 3_000, "single_approval_required", "single"),
        (50_000, 0, 0, "single_approval_required", "single"),
        (50_001, 0, 0, "dual_approval_required", "dual"),
        (40_000, 20_000, 0, "dual_approval_required", "dual"),
    ],
)
def test_limits_count_everything(
    amount: int, prior: int, in_flight: int, rule: str, level: str | None
) -> None:
    decision = decide_adjustment(POLICY, amount, prior, in_flight)
    assert (decision.rule, decision.approval_level, decision.amount_cents) == (rule, level, amount)
    if level:
        assert decision.required_approvals == POLICY.level(level).required_approvals


def test_file_says_how_each_kind_is_put_right() -> None:
    assert POLICY.method(DiscrepancyKind.DUPLICATE_CHARGE) == "refund"
    assert POLICY.method(DiscrepancyKind.PRICE_DIFFERS_FROM_PLAN) == "credit"
    assert set(POLICY.adjustments) == set(DiscrepancyKind)
    assert POLICY.nothing_found in ("explain", "escalate")
