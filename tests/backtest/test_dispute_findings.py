"""Billing disputes recorded with the billing history their findings came from: the candidate's
duplicate window, amount tolerance and look-back find again on that history, and the decision and
the money follow. Cases recorded without it keep their findings and are listed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from policies.backtest import backtest_disputes
from policies.backtest_cases import PastCase
from policies.backtest_findings import findings_report
from policies.billing_discrepancies import DiscrepancyKind
from policies.decision_facts import DisputeCaseFacts, FindingFacts
from policies.dispute_refind import MAX_RECORDED_CHARGES
from tests.backtest.scripted_cases import (
    T0,
    billed_dispute_case,
    charge,
    dispute_case,
    dispute_policy,
)
from worker.backtest import BacktestRun
from worker.backtest_table import report_lines


def _at(day: float, minutes: float = 0) -> datetime:
    return T0 + timedelta(days=day, minutes=minutes)


def _cases() -> list[PastCase]:
    """Decided under the shipped policy (10-minute duplicate window, no tolerance)."""
    return [
        # Two 40.00 charges 8 minutes apart: a duplicate, refunded without approvers.
        billed_dispute_case(
            "D1",
            day=0.5,
            charges=[
                charge("ch_d1a", at=_at(0), cents=4_000),
                charge("ch_d1b", at=_at(0, 8), cents=4_000),
            ],
        ),
        # 15 minutes apart: outside the window, nothing found, explained.
        billed_dispute_case(
            "D2",
            day=1.5,
            charges=[
                charge("ch_d2a", at=_at(1), cents=3_000),
                charge("ch_d2b", at=_at(1, 15), cents=3_000),
            ],
        ),
        # 1.50 above the order's total.
        billed_dispute_case(
            "D3",
            day=2.5,
            charges=[charge("ch_d3", at=_at(2), cents=10_150, order="ord_d3")],
            order_totals={"ord_d3": 10_000},
        ),
        # 600.00 twice within 2 minutes: two approvers, who agreed.
        billed_dispute_case(
            "D4",
            day=3.5,
            charges=[
                charge("ch_d4a", at=_at(3), cents=60_000),
                charge("ch_d4b", at=_at(3, 2), cents=60_000),
            ],
        ),
        # Decided before the history was recorded: only its findings are known.
        dispute_case("OLD", day=4, excess={"ord_old": 2_000}),
    ]


def test_the_recorded_history_and_the_findings_it_gave() -> None:
    facts = DisputeCaseFacts.model_validate(_cases()[0].facts)
    assert facts.billing is not None
    assert [c.charge_id for c in facts.billing.charges] == ["ch_d1a", "ch_d1b"]
    assert facts.billing.duplicate_window_minutes == 10
    assert [(f.kind, f.charge_id, f.excess_cents) for f in facts.findings] == [
        (DiscrepancyKind.DUPLICATE_CHARGE, "ch_d1b", 4_000)
    ]
    assert DisputeCaseFacts.model_validate(_cases()[4].facts).billing is None


def test_a_shorter_duplicate_window_and_a_tolerance_drop_findings_and_their_money() -> None:
    candidate = dispute_policy(
        version="narrow", duplicate_window_minutes=5, amount_tolerance_cents=200
    )

    report = backtest_disputes(candidate, _cases())

    assert {
        c.ticket_id: (c.before, c.after, c.moved_cents, c.would_move_cents) for c in report.changes
    } == {
        "D1": ("auto_adjust", "explain", 4_000, 0),
        "D3": ("auto_adjust", "explain", 150, 0),
    }
    assert report.money.moved_cents == 66_150
    assert report.money.would_move_cents == 62_000
    assert report.money.no_longer_moved_cents == 4_150
    rules = {r.rule: (r.before, r.after) for r in report.rules}
    assert rules["within_auto_adjust_limit"] == (3, 1)
    assert rules["nothing_found"] == (1, 3)
    assert rules["dual_approval_required"] == (1, 1)
    findings = report.findings
    assert findings is not None
    per_kind = {c.kind: (c.current, c.candidate) for c in findings.rules}
    assert per_kind == {"duplicate_charge": (3, 2), "above_order_total": (1, 0)}
    assert [c.ticket_id for c in findings.changed] == ["D1", "D3"]
    assert findings.changed[0].candidate == [] and findings.changed[0].current_cents == 4_000
    assert findings.amount_only == []
    assert findings.not_reapplied == ["OLD"]


def test_a_longer_duplicate_window_finds_a_duplicate_that_was_explained() -> None:
    report = backtest_disputes(dispute_policy(duplicate_window_minutes=20), _cases())

    assert [(c.ticket_id, c.before, c.after, c.would_move_cents) for c in report.changes] == [
        ("D2", "explain", "auto_adjust", 3_000)
    ]
    assert report.money.newly_moved_cents == 3_000
    assert report.findings is not None
    [change] = report.findings.changed
    assert change.ticket_id == "D2" and change.current == []
    assert [(i.kind, i.charge_id, i.excess_cents) for i in change.candidate] == [
        ("duplicate_charge", "ch_d2b", 3_000)
    ]


def test_the_same_policy_finds_the_same() -> None:
    report = backtest_disputes(dispute_policy(), _cases())
    assert report.changed == 0
    assert report.findings is not None
    assert report.findings.changed == report.findings.amount_only == []
    assert report.findings.not_reapplied == ["OLD"]


def test_a_shorter_look_back_drops_older_charges() -> None:
    # The duplicate's first charge is 12 hours before the decision: a 1-day look-back keeps it,
    # but the case decided 2 days after its charges loses them.
    late = billed_dispute_case(
        "LATE",
        day=2,
        charges=[
            charge("ch_la", at=_at(0), cents=1_000),
            charge("ch_lb", at=_at(0, 1), cents=1_000),
        ],
    )
    report = backtest_disputes(dispute_policy(look_back_days=1), [late])
    assert [(c.ticket_id, c.after) for c in report.changes] == [("LATE", "explain")]


def test_a_dropped_finding_no_longer_counts_against_a_later_case_on_the_order() -> None:
    first = billed_dispute_case(
        "E1",
        day=0.5,
        charges=[
            charge("ch_e1a", at=_at(0), cents=3_000, order="ord_e"),
            charge("ch_e1b", at=_at(0, 8), cents=3_000, order="ord_e"),
        ],
    )
    # The same order: 30.00 above its total, with the 30.00 refunded before: 60.00, one approver.
    second = dispute_case("E2", day=1, excess={"ord_e": 3_000}, prior=3_000)
    assert second.decision.label == "needs_approval:single"

    report = backtest_disputes(dispute_policy(duplicate_window_minutes=5), [first, second])

    assert {c.ticket_id: (c.before, c.after) for c in report.changes} == {
        "E1": ("auto_adjust", "explain"),
        "E2": ("needs_approval:single", "auto_adjust"),
    }


def test_findings_on_the_same_charges_by_another_amount_are_amount_only() -> None:
    case = dispute_case("A1", day=0, excess={"ord_a": 2_000})
    recorded = DisputeCaseFacts.model_validate(case.facts).findings
    smaller = [recorded[0].model_copy(update={"excess_cents": 500})]
    other = [
        FindingFacts(
            kind=DiscrepancyKind.ABOVE_ORDER_TOTAL,
            charge_id="ch_ord_a",
            excess_cents=2_000,
            method="refund",
        )
    ]

    assert [c.ticket_id for c in findings_report([case], {"A1": smaller}).amount_only] == ["A1"]
    assert [c.ticket_id for c in findings_report([case], {"A1": other}).changed] == ["A1"]
    assert findings_report([case], {"A1": None}).not_reapplied == ["A1"]


def test_json_and_table_carry_the_findings() -> None:
    candidate = dispute_policy(duplicate_window_minutes=5, amount_tolerance_cents=200)
    run = BacktestRun(report=backtest_disputes(candidate, _cases()))

    data = json.loads(run.model_dump_json())
    findings = data["report"]["findings"]
    assert set(findings) == {"rules", "changed", "amount_only", "not_reapplied"}
    assert set(findings["changed"][0]) == {
        "ticket_id",
        "current",
        "candidate",
        "current_cents",
        "candidate_cents",
    }
    assert set(findings["changed"][0]["current"][0]) == {"kind", "charge_id", "excess_cents"}
    assert findings["not_reapplied"] == ["OLD"]
    assert set(data["report"]["rules"][0]) == {"rule", "before", "after"}

    text = "\n".join(report_lines(run))
    assert "duplicate_charge                              3 -> 2" in text
    assert "Cases whose findings change: 2" in text
    assert "  D1: duplicate_charge ch_d1b 40.00 -> none" in text
    assert "Findings not re-applied" in text and "(OLD)" in text


def test_a_history_too_long_to_record_falls_back_to_the_recorded_findings() -> None:
    many = [
        charge(f"ch_m{n}", at=_at(0, 30 * n), cents=1_000 + n)
        for n in range(MAX_RECORDED_CHARGES + 1)
    ]
    case = billed_dispute_case("MANY", day=30, charges=many)
    assert DisputeCaseFacts.model_validate(case.facts).billing is None

    report = backtest_disputes(dispute_policy(duplicate_window_minutes=60), [case])

    assert report.findings is not None and report.findings.not_reapplied == ["MANY"]


def test_a_finding_is_bounded_by_what_its_charge_still_allowed_when_read() -> None:
    case = billed_dispute_case(
        "BOUND",
        day=0.5,
        charges=[
            charge("ch_ba", at=_at(0), cents=4_000),
            charge("ch_bb", at=_at(0, 3), cents=4_000),
        ],
    )
    facts = DisputeCaseFacts.model_validate(case.facts)
    assert facts.billing is not None
    # Stripe said 15.00 was left on the duplicate when the case decided.
    facts.billing.charge_left_cents = {"ch_bb": 1_500}
    bounded = case.model_copy(update={"facts": facts.model_dump(mode="json")})

    report = backtest_disputes(dispute_policy(), [bounded])

    assert report.findings is not None
    [change] = report.findings.amount_only
    assert (change.current_cents, change.candidate_cents) == (4_000, 1_500)
