"""Billing disputes whose recorded billing history is searched again under the candidate's
thresholds: a longer duplicate window finds a duplicate the deciding policy missed, a tolerance
forgives an over-charge, a shorter look-back no longer sees an old charge; cases decided before
the history was recorded keep their findings and are listed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from policies.backtest import backtest_disputes
from policies.backtest_cases import CaseDecision, PastCase
from policies.billing_discrepancies import find_discrepancies
from policies.billing_dispute import BillingDisputePolicy, decide_adjustment
from policies.billing_history import BilledCharge, BillingHistory
from policies.decision_facts import DisputeBilling, dispute_case_facts
from tests.backtest.scripted_cases import T0, dispute_case, dispute_policy


def charge(charge_id: str, minute: float, cents: int, **fields: Any) -> BilledCharge:
    base: dict[str, Any] = {
        "charge_id": charge_id,
        "amount_cents": cents,
        "amount_refunded_cents": 0,
        "currency": "usd",
        "status": "succeeded",
        "created": T0 + timedelta(minutes=minute),
        "payment_method": "fp_card",
    }
    return BilledCharge(**(base | fields))


def history_case(
    ticket_id: str,
    charges: list[BilledCharge],
    *,
    day: float = 1,
    totals: dict[str, int] | None = None,
    policy: BillingDisputePolicy | None = None,
) -> PastCase:
    """Decided as the workflow decides: find, bound by what each charge still allows, decide;
    the history recorded with the decision."""
    policy = policy or dispute_policy()
    now = T0 + timedelta(days=day)
    history = BillingHistory(
        stripe_customer_id="cus_s",
        since=now - timedelta(days=policy.look_back_days),
        charges=charges,
    )
    found = find_discrepancies(history, totals or {}, policy.rules)
    left = {c.charge_id: c.refundable_cents for c in charges}
    findings = [
        f.model_copy(update={"excess_cents": min(f.excess_cents, left[f.charge_id])})
        for f in found
        if left[f.charge_id] > 0
    ]
    billing = DisputeBilling(
        history=history,
        order_totals=totals or {},
        refunded_in_window_cents={f.charge_id: 0 for f in found},
    )
    facts = dispute_case_facts(policy, "cus_1", now, findings, billing=billing)
    if findings:
        decided = decide_adjustment(policy, facts.amount_cents, 0, 0)
        decision = CaseDecision(
            verdict=decided.verdict.value,
            rule=decided.rule,
            amount_cents=decided.amount_cents,
            approval_level=decided.approval_level,
            required_approvals=decided.required_approvals,
        )
    else:
        decision = CaseDecision(verdict=policy.nothing_found, rule="nothing_found")
    return PastCase(
        ticket_id=ticket_id,
        workflow_id=f"ticket-{ticket_id}",
        process="billing_dispute",
        decided_at=now,
        decision=decision,
        facts=facts.model_dump(mode="json"),
        state="resolved",
    )


def test_the_same_policy_finds_the_same_and_decides_the_same() -> None:
    cases = [
        history_case("D1", [charge("ch_a", 0, 2_000), charge("ch_b", 5, 2_000)]),
        history_case("N1", [charge("ch_c", 0, 2_000), charge("ch_d", 30, 2_000)]),
    ]
    report = backtest_disputes(dispute_policy(), cases)
    assert report.changed == 0 and report.finding_changes == []
    assert report.findings_before == report.findings_after == {"duplicate_charge": 1}


def test_a_longer_duplicate_window_finds_what_was_missed() -> None:
    # Charged twice 30 minutes apart: no duplicate within 10 minutes, one within 60.
    missed = history_case("N1", [charge("ch_c", 0, 2_000), charge("ch_d", 30, 2_000)])
    assert missed.decision.rule == "nothing_found"
    # 30.00 twice 45 minutes apart: 30.00 found under 60 minutes, auto-adjusted up to 50.00.
    report = backtest_disputes(dispute_policy(duplicate_window_minutes=60), [missed])

    [change] = report.changes
    assert (change.ticket_id, change.before, change.after) == ("N1", "explain", "auto_adjust")
    assert change.would_move_cents == 2_000  # the case answered; paying it is new money
    assert report.money.newly_moved_cents == 2_000
    [found] = report.finding_changes
    assert (found.before, found.after) == ([], ["duplicate_charge:ch_d"])
    assert (found.amount_before_cents, found.amount_after_cents) == (0, 2_000)
    assert report.findings_before == {} and report.findings_after == {"duplicate_charge": 1}
    rules = {r.rule: (r.before, r.after) for r in report.rules}
    assert rules["nothing_found"] == (1, 0)


def test_a_shorter_window_loses_a_duplicate_and_the_money_with_it() -> None:
    case = history_case("D1", [charge("ch_a", 0, 2_000), charge("ch_b", 5, 2_000)])
    assert (case.decision.verdict, case.moved_cents) == ("auto_adjust", 2_000)
    report = backtest_disputes(dispute_policy(duplicate_window_minutes=2), [case])
    [change] = report.changes
    assert (change.before, change.after) == ("auto_adjust", "explain")
    assert report.money.no_longer_moved_cents == 2_000
    assert report.finding_changes[0].after == []


def test_a_tolerance_forgives_a_small_over_charge_and_only_that() -> None:
    small = history_case(
        "O1", [charge("ch_o1", 0, 10_050, order_id="ord_1")], totals={"ord_1": 10_000}
    )
    large = history_case(
        "O2", [charge("ch_o2", 0, 19_000, order_id="ord_2")], day=2, totals={"ord_2": 10_000}
    )
    assert small.decision.amount_cents == 50 and large.decision.amount_cents == 9_000
    report = backtest_disputes(dispute_policy(amount_tolerance_cents=100), [small, large])
    assert [(c.ticket_id, c.before, c.after) for c in report.changes] == [
        ("O1", "auto_adjust", "explain")
    ]
    assert [c.ticket_id for c in report.finding_changes] == ["O1"]
    assert report.findings_before == {"above_order_total": 2}
    assert report.findings_after == {"above_order_total": 1}


def test_a_shorter_look_back_no_longer_sees_an_old_charge() -> None:
    # The duplicate pair is 20 days before the complaint.
    old = history_case("L1", [charge("ch_a", 0, 2_000), charge("ch_b", 5, 2_000)], day=20)
    assert old.decision.verdict == "auto_adjust"
    report = backtest_disputes(dispute_policy(look_back_days=7), [old])
    assert [(c.before, c.after) for c in report.changes] == [("auto_adjust", "explain")]


def test_what_was_refunded_on_a_charge_bounds_its_finding() -> None:
    partly = charge("ch_b", 30, 2_000, amount_refunded_cents=500)
    case = history_case("R1", [charge("ch_a", 0, 2_000), partly])
    report = backtest_disputes(dispute_policy(duplicate_window_minutes=60), [case])
    [change] = report.changes
    assert (change.after, change.would_move_cents) == ("auto_adjust", 1_500)
    # 15.00 left on the charge: the most the candidate could have paid back.
    assert report.finding_changes[0].amount_after_cents == 1_500


def test_cases_without_a_recorded_history_keep_their_findings_and_are_listed() -> None:
    old = dispute_case("OLD", day=0, excess={"ord_1": 2_000})  # recorded before histories
    new = history_case("NEW", [charge("ch_c", 0, 2_000), charge("ch_d", 30, 2_000)], day=1)
    report = backtest_disputes(dispute_policy(duplicate_window_minutes=60), [old, new])
    assert report.findings_not_reapplied == ["OLD"]
    assert [c.ticket_id for c in report.finding_changes] == ["NEW"]
    assert report.findings_before == {"duplicate_charge": 1}
    assert report.findings_after == {"duplicate_charge": 2}
    assert "OLD" not in {c.ticket_id for c in report.changes}
