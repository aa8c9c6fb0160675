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
        FoundItem(kind=str(f.kind), charge_id=f.charge_id, excess_cents=f.excess_cents)
        for f in findings
    ]


def findings_report(
    cases: Iterable[PastCase],
    refound: Mapping[str, list[FindingFacts] | None],
    parsed: Mapping[str, DisputeCaseFacts] | None = None,
) -> FindingsReport:
    """`cases` in backtest order; `refound` the candidate's findings of those evaluated;
    `parsed` their recorded facts where already read."""
    report = FindingsReport()
    counts: dict[str, FindingCount] = {}
    for case in cases:
        if case.ticket_id not in refound:
            continue
        known = parsed.get(case.ticket_id) if parsed is not None else None
        recorded = (known or DisputeCaseFacts.model_validate(case.facts)).findings
        again = refound[case.ticket_id]
        if again is None:
            report.not_reapplied.append(case.ticket_id)
            again = recorded
        before, after = _items(recorded), _items(again)
        for item in before:
            counts.setdefault(item.kind, FindingCount(kind=item.kind)).current += 1
        for item in after:
            counts.setdefault(item.kind, FindingCount(kind=item.kind)).candidate += 1
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
