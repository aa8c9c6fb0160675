"""Refund backtests on scripted cases with known differences, cumulative limits included."""

from __future__ import annotations

from policies.backtest import backtest_refunds
from policies.backtest_cases import PastCase
from tests.backtest.scripted_cases import refund_case, refund_policy


def stricter_cases() -> list[PastCase]:
    return [
        refund_case("R1", day=0, amount=4_000),  # auto
        refund_case("R2", day=1, amount=30_000),  # single, approved
        refund_case("R3", day=2, amount=2_000, order_age_days=25),  # auto
        refund_case("R4", day=3, amount=10_000, state="rejected", approval="rejected"),
        # Two requests on one order: 25.00, then 20.00 with the 25.00 counted (45.00, auto).
        refund_case("C1", day=4, amount=2_500, customer="cus_2", order="ord_A"),
        refund_case(
            "C2",
            day=5,
            amount=2_000,
            customer="cus_2",
            order="ord_A",
            refunded=2_500,
            refunded_in_window=2_500,
        ),
    ]


def test_stricter_limits_show_each_changed_case_money_load_and_rules() -> None:
    candidate = refund_policy(
        version="refund-stricter",
        auto_approve_limit_cents=3_000,
        single_approver_limit_cents=25_000,
        refund_window_days=20,
    )
    report = backtest_refunds(candidate, stricter_cases())

    assert report.cases == 6 and report.changed == 4
    assert {c.ticket_id: (c.before, c.after) for c in report.changes} == {
        "R1": ("auto_approve", "needs_approval:single"),
        "R2": ("needs_approval:single", "needs_approval:dual"),
        "R3": ("auto_approve", "deny"),
        # 20.00 alone is within the new 30.00 limit; with the 25.00 already refunded on the
        # order it is 45.00, above it.
        "C2": ("auto_approve", "needs_approval:single"),
    }
    assert report.transitions == {
        "auto_approve -> needs_approval:single": 2,
        "needs_approval:single -> needs_approval:dual": 1,
        "auto_approve -> deny": 1,
    }
    money = report.money
    assert (money.moved_cents, money.would_move_cents) == (40_500, 38_500)
    assert (money.difference_cents, money.no_longer_moved_cents) == (-2_000, 2_000)
    assert money.newly_moved_cents == 0
    assert money.newly_awaiting_approval_cents == 4_000 + 30_000 + 2_000
    loads = {load.level: load for load in report.approval_load}
    assert (loads["single"].cases_before, loads["single"].cases_after) == (2, 3)
    assert (loads["dual"].cases_before, loads["dual"].cases_after) == (0, 1)
    assert (loads["dual"].decisions_before, loads["dual"].decisions_after) == (0, 2)
    rules = {r.rule: (r.before, r.after) for r in report.rules}
    assert rules == {
        "within_auto_approve_limit": (4, 1),
        "single_approval_required": (2, 3),
        "dual_approval_required": (0, 1),
        "outside_refund_window": (0, 1),
    }


def test_the_shipped_policy_changes_nothing_on_its_own_decisions() -> None:
    report = backtest_refunds(refund_policy(), stricter_cases())
    assert report.changed == 0 and report.transitions == {}
    assert report.money.moved_cents == report.money.would_move_cents == 40_500


def test_a_shorter_cumulative_window_stops_counting_an_old_refund() -> None:
    cases = [
        refund_case("D1", day=0, amount=4_000, order="ord_B"),
        # 30.00 ten days later with the 40.00 counted: 70.00, one approver.
        refund_case(
            "D2", day=10, amount=3_000, order="ord_B", refunded=4_000, refunded_in_window=4_000
        ),
    ]
    assert cases[1].decision.label == "needs_approval:single"

    report = backtest_refunds(refund_policy(cumulative_window_days=7), cases)

    assert [(c.ticket_id, c.before, c.after) for c in report.changes] == [
        ("D2", "needs_approval:single", "auto_approve")
    ]


def test_an_earlier_case_the_candidate_denies_no_longer_counts_against_later_ones() -> None:
    cases = [
        refund_case("E1", day=0, amount=3_000, customer="cus_3", order_age_days=25),
        refund_case("E2", day=1, amount=3_000, customer="cus_3", recent_refunds=1),
    ]
    candidate = refund_policy(refund_window_days=20, max_refunds_per_customer=1)

    report = backtest_refunds(candidate, cases)

    # E1 is now outside the window, so the customer has no refund when E2 is decided.
    assert [(c.ticket_id, c.after) for c in report.changes] == [("E1", "deny")]
    alone = backtest_refunds(candidate, cases[1:])
    assert [(c.ticket_id, c.after_rule) for c in alone.changes] == [("E2", "too_many_refunds")]


def test_an_earlier_refund_the_candidate_denies_leaves_more_on_the_charge() -> None:
    cases = [
        refund_case("F1", day=0, amount=6_000, order="ord_F", charge=8_000, order_age_days=25),
        # The rest of the charge, 20.00, counted with the 60.00 already refunded: 80.00.
        refund_case(
            "F2",
            day=1,
            amount=4_000,
            order="ord_F",
            charge=8_000,
            refunded=6_000,
            refunded_in_window=6_000,
        ),
    ]
    assert cases[1].decision.rule == "exceeds_refundable"

    report = backtest_refunds(refund_policy(refund_window_days=20), cases)

    after = {c.ticket_id: (c.after, c.would_move_cents) for c in report.changes}
    assert after == {"F1": ("deny", 0), "F2": ("auto_approve", 4_000)}
    assert report.money.newly_moved_cents == 4_000


def test_people_who_refused_stay_refused_unless_no_one_is_asked() -> None:
    rejected = refund_case("G1", day=0, amount=8_000, state="rejected", approval="rejected")
    expired = refund_case("G2", day=1, amount=9_000, state="expired", approval="expired")

    looser = backtest_refunds(refund_policy(auto_approve_limit_cents=8_500), [rejected, expired])

    assert [(c.ticket_id, c.after, c.would_move_cents) for c in looser.changes] == [
        ("G1", "auto_approve", 8_000)
    ]
    assert looser.money.newly_moved_cents == 8_000


def test_a_case_whose_facts_cannot_be_read_is_listed_not_fatal() -> None:
    cases = stricter_cases()
    broken = cases[0].model_copy(update={"ticket_id": "X1", "facts": {"customer_id": "cus_9"}})
    report = backtest_refunds(refund_policy(), [broken, *cases])
    assert report.unreadable == ["X1"] and report.cases == 6 and report.changed == 0
