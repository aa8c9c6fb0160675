"""What a candidate's discrepancy rules find in past billing disputes, next to what was found.

Pure: built from each case's recorded findings and the findings the candidate's thresholds give
on the recorded billing history (`backtest_redecide.candidate_findings`). Cases decided before
the history was recorded keep their recorded findings and are listed in `not_reapplied`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import BaseModel

from policies.backtest_cases import PastCase
from policies.decision_facts import DisputeCaseFacts, FindingFacts


class FindingCount(BaseModel):
    kind: str
    current: int = 0
    candidate: int = 0


class FoundItem(BaseModel):
    kind: str
    charge_id: str
    excess_cents: int


class FindingChange(BaseModel):
    """A case whose findings differ: which charges are wrong and how, or only by how much."""

    ticket_id: str
    current: list[FoundItem]
    candidate: list[FoundItem]
    current_cents: int
    candidate_cents: int


class FindingsReport(BaseModel):
    # Per discrepancy kind: findings in the recorded cases, and under the candidate.
    rules: list[FindingCount] = []
    # Cases where a finding appears or disappears (another charge, or another kind).
    changed: list[FindingChange] = []
    # Cases with the same wrong charges, found to be wrong by a different amount.
    amount_only: list[FindingChange] = []
    # Ticket ids decided before the billing history was recorded: their recorded findings
    # were used as they were, not found again under the candidate.
    not_reapplied: list[str] = []


def _items(findings: Iterable[FindingFacts]) -> list[FoundItem]:
    return [
        FoundItem(kind=f.kind.value, charge_id=f.charge_id, excess_cents=f.excess_cents)
        for f in findings
    ]


def findings_report(
    cases: Iterable[PastCase], refound: Mapping[str, list[FindingFacts] | None]
) -> FindingsReport:
    """`cases` in backtest order; `refound` the candidate's findings of those evaluated."""
    report = FindingsReport()
    counts: dict[str, FindingCount] = {}
    for case in cases:
        if case.ticket_id not in refound:
            continue
        recorded = DisputeCaseFacts.model_validate(case.facts).findings
        again = refound[case.ticket_id]
        if again is None:
            report.not_reapplied.append(case.ticket_id)
            again = recorded
        for f in recorded:
            counts.setdefault(f.kind.value, FindingCount(kind=f.kind.value)).current += 1
        for f in again:
            counts.setdefault(f.kind.value, FindingCount(kind=f.kind.value)).candidate += 1
        before, after = _items(recorded), _items(again)
        if before == after:
            continue
        change = FindingChange(
            ticket_id=case.ticket_id,
            current=before,
            candidate=after,
            current_cents=sum(i.excess_cents for i in before),
            candidate_cents=sum(i.excess_cents for i in after),
        )
        same_charges = sorted((i.kind, i.charge_id) for i in before) == sorted(
            (i.kind, i.charge_id) for i in after
        )
        (report.amount_only if same_charges else report.changed).append(change)
    report.rules = sorted(counts.values(), key=lambda c: (-max(c.current, c.candidate), c.kind))
    return report
