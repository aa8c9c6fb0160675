"""A billing dispute's findings looked for again under a candidate policy's thresholds.

A dispute case records the billing history its findings were computed from
(`DisputeCaseFacts.billing`). The candidate's look-back, duplicate window and amount tolerance
are applied to that history with the workflow's own pure rules (`find_discrepancies`), each
finding is bounded by what its charge still allowed then, and the refunds already counted
against the cumulative limit are recomputed for the charges the candidate finds. Cases decided
before the history was recorded keep their recorded findings (the caller lists them).

A candidate that looks back further than the deciding policy sees only the history that was read
then: charges older than that window were never recorded.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from policies.billing_discrepancies import find_discrepancies
from policies.billing_dispute import BillingDisputePolicy
from policies.decision_facts import DisputeCaseFacts, FindingFacts


class RefoundFindings:
    """The candidate's findings on one recorded case (bounded), the amount, and the refunds in
    the cumulative window that count against it."""

    def __init__(self, findings: list[FindingFacts], prior_cents: int) -> None:
        self.findings = findings
        self.prior_cents = prior_cents

    @property
    def amount_cents(self) -> int:
        return sum(f.excess_cents for f in self.findings)


def findings_under(recorded: DisputeCaseFacts, candidate: BillingDisputePolicy) -> RefoundFindings:
    billing = recorded.billing
    if billing is None:
        raise ValueError("this case was decided before its billing history was recorded")
    since = recorded.now - timedelta(days=candidate.look_back_days)
    history = billing.history.model_copy(
        update={
            "charges": [c for c in billing.history.charges if c.created >= since],
            "invoices": [i for i in billing.history.invoices if i.created >= since],
        }
    )
    found = find_discrepancies(history, billing.order_totals, candidate.rules)
    charges = {c.charge_id: c for c in history.charges}
    # Bounded by what each charge still allowed (the rules skip charges paid back in full).
    bounded = [
        FindingFacts(
            kind=f.kind,
            charge_id=f.charge_id,
            order_id=f.order_id,
            excess_cents=min(f.excess_cents, charges[f.charge_id].refundable_cents),
            method=candidate.method(f.kind),
        )
        for f in found
    ]
    # As the workflow counts it: refunds in the window on every charge found (paid back in
    # full or not), plus what supportflow credited. A charge read at the decision has its
    # figure; one only the candidate finds counts everything refunded on it (an upper bound).
    refunded = sum(
        billing.refunded_in_window_cents.get(charge_id, charges[charge_id].amount_refunded_cents)
        for charge_id in dict.fromkeys(f.charge_id for f in found)
    )
    return RefoundFindings(bounded, refunded + billing.credited_cents)


def finding_kinds(findings: list[FindingFacts]) -> Counter[str]:
    return Counter(f.kind for f in findings)
