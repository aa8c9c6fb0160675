"""Billing-dispute backtests on scripted cases with known differences, cumulative limits
included."""

from __future__ import annotations

from policies.backtest import backtest_disputes
from policies.billing_discrepancies import DiscrepancyKind
from tests.backtest.scripted_cases import dispute_case, dispute_policy


def test_stricter_auto_adjust_limit_and_escalating_nothing_found() -> None:
    cases = [
        dispute_case("P1", day=0, excess={"ord_1": 4_000}),  # auto
        dispute_case("P2", day=1, excess={"ord_2": 2_000}),  # auto
        # The same order again: 20.00 with the 20.00 before counted, 40.00: auto.
        dispute_case("P3", day=2, excess={"ord_2": 2_000}, prior=2_000),
        dispute_case("N1", day=3, excess={}),  # nothing found: explained
    ]
    candidate = dispute_policy(
        version="billing-stricter",
        auto_adjust_limit_cents=3_000,
        nothing_found="escalate",
        adjustments={DiscrepancyKind.DUPLICATE_CHARGE: "credit"},
    )

    report = backtest_disputes(candidate, cases)

    assert {c.ticket_id: (c.before, c.after) for c in report.changes} == {
        "P1": ("auto_adjust", "needs_approval:single"),
        # Alone within the new limit; with the earlier adjustment on the order, above it.
        "P3": ("auto_adjust", "needs_approval:single"),
        "N1": ("explain", "escalate"),
    }
    assert report.transitions == {
        "auto_adjust -> needs_approval:single": 2,
        "explain -> escalate": 1,
    }
    assert report.money.moved_cents == report.money.would_move_cents == 8_000
    assert report.money.newly_awaiting_approval_cents == 6_000
    loads = {load.level: (load.cases_before, load.cases_after) for load in report.approval_load}
    assert loads == {"single": (0, 2)}
    rules = {r.rule: (r.before, r.after) for r in report.rules}
    assert rules["within_auto_adjust_limit"] == (3, 1)
    assert rules["single_approval_required"] == (0, 2)
    assert rules["nothing_found"] == (1, 1)
    # Duplicates were refunded; the candidate credits them.
    assert report.method_changes == 3


def test_a_shorter_cumulative_window_stops_counting_an_old_adjustment() -> None:
    cases = [
        dispute_case("Q1", day=0, excess={"ord_9": 3_000}),
        dispute_case("Q2", day=3, excess={"ord_9": 3_000}, prior=3_000),  # 60.00: single
    ]
    assert cases[1].decision.label == "needs_approval:single"

    report = backtest_disputes(dispute_policy(cumulative_window_days=1), cases)

    assert [(c.ticket_id, c.before, c.after) for c in report.changes] == [
        ("Q2", "needs_approval:single", "auto_adjust")
    ]


def test_a_rejected_adjustment_no_longer_counts_when_the_candidate_still_asks() -> None:
    cases = [
        dispute_case("S1", day=0, excess={"ord_5": 20_000}, state="rejected", approval="rejected"),
        dispute_case("S2", day=1, excess={"ord_5": 1_000}),
    ]
    report = backtest_disputes(dispute_policy(), cases)
    assert report.changed == 0
    assert report.money.moved_cents == report.money.would_move_cents == 1_000
