"""Each process's decision, made again on a past case's recorded facts under a candidate policy.

The evaluation is the processes' own pure code (evaluate_refund, decide_adjustment); what
changes is only what earlier replayed cases would have paid on the same order or charge, and
how many refunds the customer would have had, which the ledger adds to the recorded figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import MutableMapping

from policies.backtest_cases import CaseDecision, PastCase
from policies.backtest_ledger import CaseLedger
from policies.billing_dispute import BillingDisputePolicy, decide_adjustment
from policies.decision_facts import DisputeCaseFacts, FindingFacts, RefundCaseFacts, finding_facts
from policies.dispute_refind import refind
from policies.refund_policy import RefundPolicy, cumulative_window_days, evaluate_refund


def redecide_refund(case: PastCase, candidate: RefundPolicy, ledger: CaseLedger) -> CaseDecision:
    recorded = RefundCaseFacts.model_validate(case.facts)
    facts = recorded.facts
    key = recorded.order_id or case.ticket_id
    window = cumulative_window_days(candidate, facts.customer_tier)
    paid_before = ledger.money_delta(key, facts.now, None, None)
    in_window = ledger.money_delta(key, facts.now, recorded.cumulative_window_days, window)
    counted = ledger.refund_count_delta(
        recorded.customer_id,
        facts.now,
        recorded.refund_count_window_days,
        candidate.refund_count_window_days,
    )
    prior = facts.refunded_on_order_in_window_cents
    replayed = facts.model_copy(
        update={
            "already_refunded_cents": max(facts.already_refunded_cents + paid_before, 0),
            # Facts recorded before cumulative limits have none, and stay per-request.
            "refunded_on_order_in_window_cents": (
                None if prior is None and in_window == 0 else max((prior or 0) + in_window, 0)
            ),
            "recent_refund_count": max(facts.recent_refund_count + counted, 0),
        }
    )
    decided = evaluate_refund(candidate, replayed)
    decision = CaseDecision.of(decided)
    ledger.add(
        recorded.customer_id, facts.now, {key: (case.moved_cents, case.would_move(decision))}
    )
    return decision


def candidate_findings(
    recorded: DisputeCaseFacts, candidate: BillingDisputePolicy
) -> list[FindingFacts] | None:
    """What the candidate's discrepancy rules find in the recorded billing history; None when
    the case recorded no history (decided before it was), so its recorded findings stand."""
    if recorded.billing is None:
        return None
    found = refind(recorded.billing, candidate.rules, candidate.look_back_days, recorded.now)
    return finding_facts(candidate, found)


def redecide_dispute(
    case: PastCase,
    candidate: BillingDisputePolicy,
    ledger: CaseLedger,
    refound: MutableMapping[str, list[FindingFacts] | None] | None = None,
    recorded: DisputeCaseFacts | None = None,
) -> CaseDecision:
    """The case decided again; with recorded billing history, on the candidate's findings
    (stored in `refound` by ticket id, None where the recorded findings were used).
    `recorded`: the case's facts when the caller has already read them."""
    recorded = recorded or DisputeCaseFacts.model_validate(case.facts)
    again = candidate_findings(recorded, candidate)
    if refound is not None:
        refound[case.ticket_id] = again
    findings = recorded.findings if again is None else again
    if not findings:
        # What the case paid on its recorded findings, the candidate would not have paid.
        paid = {f.money_key: (f.excess_cents, 0) for f in recorded.findings}
        if case.moved_cents > 0 and paid:
            ledger.add(recorded.customer_id, recorded.now, paid)
        return CaseDecision(verdict=candidate.nothing_found, rule="nothing_found")
    excess: dict[str, int] = defaultdict(int)
    for finding in findings:
        excess[finding.money_key] += finding.excess_cents
    delta = sum(
        ledger.money_delta(
            key, recorded.now, recorded.cumulative_window_days, candidate.cumulative_window_days
        )
        for key in excess
    )
    decided = decide_adjustment(
        candidate,
        sum(f.excess_cents for f in findings),
        max(recorded.prior_cents + delta, 0),
        recorded.in_flight_cents,
    )
    decision = CaseDecision.of(decided)
    moved, would = case.moved_cents > 0, case.would_move(decision) > 0
    ledger.add(
        recorded.customer_id,
        recorded.now,
        {key: (cents if moved else 0, cents if would else 0) for key, cents in excess.items()},
    )
    return decision


def dispute_method_changes(
    case: PastCase, candidate: BillingDisputePolicy, recorded: DisputeCaseFacts | None = None
) -> int:
    """Wrong charges the candidate would put right another way (refund instead of credit)."""
    recorded = recorded or DisputeCaseFacts.model_validate(case.facts)
    return sum(1 for f in recorded.findings if candidate.method(f.kind) != f.method)
