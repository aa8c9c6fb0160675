"""Policy backtest: every past case's recorded facts decided again under a candidate policy.

Pure: the cases come in (read from the CRM by the caller), the report goes out. Cases are
replayed oldest first so that what an earlier case would have paid counts against the
cumulative limits of the later ones (`backtest_ledger`). Nothing here moves money or writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime

from pydantic import BaseModel, ValidationError

from policies.backtest_cases import CaseDecision, PastCase
from policies.backtest_findings import FindingsReport, findings_report
from policies.backtest_ledger import CaseLedger
from policies.backtest_redecide import dispute_method_changes, redecide_dispute, redecide_refund
from policies.billing_dispute import BillingDisputePolicy
from policies.decision_facts import DisputeCaseFacts, FindingFacts
from policies.refund_policy import RefundPolicy

Redecide = Callable[[PastCase, CaseLedger], CaseDecision]


class DecisionChange(BaseModel):
    """One case that would have been decided, or paid, differently."""

    ticket_id: str
    workflow_id: str | None
    decided_at: datetime
    before: str
    after: str
    before_rule: str
    after_rule: str
    moved_cents: int
    would_move_cents: int


class MoneyFigures(BaseModel):
    moved_cents: int = 0
    would_move_cents: int = 0
    difference_cents: int = 0
    # Paid then, not under the candidate; and the other way round.
    no_longer_moved_cents: int = 0
    newly_moved_cents: int = 0
    # Amounts the candidate sends to approvers who were not asked at that level then.
    newly_awaiting_approval_cents: int = 0


class LevelLoad(BaseModel):
    """Approval requests at one level, and the approver decisions they take."""

    level: str
    cases_before: int = 0
    cases_after: int = 0
    decisions_before: int = 0
    decisions_after: int = 0


class RuleCount(BaseModel):
    rule: str
    before: int = 0
    after: int = 0


class BacktestReport(BaseModel):
    process: str
    candidate_version: str
    since: datetime | None = None
    cases: int = 0
    changed: int = 0
    transitions: dict[str, int] = {}
    changes: list[DecisionChange] = []
    money: MoneyFigures = MoneyFigures()
    approval_load: list[LevelLoad] = []
    rules: list[RuleCount] = []
    # Billing disputes: wrong charges the candidate would refund instead of credit, or back.
    method_changes: int = 0
    # Cases whose recorded facts this code cannot read (written by a newer or broken writer).
    unreadable: list[str] = []
    # Billing disputes: what the candidate's discrepancy rules find, next to what was found.
    findings: FindingsReport | None = None


def backtest_refunds(
    candidate: RefundPolicy, cases: Iterable[PastCase], since: datetime | None = None
) -> BacktestReport:
    return backtest(
        "refund",
        candidate.version,
        cases,
        lambda case, ledger: redecide_refund(case, candidate, ledger),
        since,
    )


def backtest_disputes(
    candidate: BillingDisputePolicy, cases: Iterable[PastCase], since: datetime | None = None
) -> BacktestReport:
    cases = sorted(
        (c for c in cases if c.process == "billing_dispute"),
        key=lambda c: (c.decided_at, c.ticket_id),
    )
    refound: dict[str, list[FindingFacts] | None] = {}
    parsed: dict[str, DisputeCaseFacts] = {}

    def redecide(case: PastCase, ledger: CaseLedger) -> CaseDecision:
        # Read once (a ValidationError makes the case unreadable), reused by the reports below.
        recorded = parsed[case.ticket_id] = DisputeCaseFacts.model_validate(case.facts)
        return redecide_dispute(case, candidate, ledger, refound, recorded)

    report = backtest("billing_dispute", candidate.version, cases, redecide, since)
    report.findings = findings_report(cases, refound, parsed)
    report.method_changes = sum(
        dispute_method_changes(c, candidate, parsed[c.ticket_id])
        for c in cases
        if c.ticket_id in parsed
    )
    return report


def backtest(
    process: str,
    candidate_version: str,
    cases: Iterable[PastCase],
    redecide: Redecide,
    since: datetime | None = None,
) -> BacktestReport:
    report = BacktestReport(process=process, candidate_version=candidate_version, since=since)
    ledger = CaseLedger()
    transitions: Counter[str] = Counter()
    rules: dict[str, RuleCount] = {}
    levels: dict[str, LevelLoad] = {}
    money = report.money
    ordered = sorted(
        (c for c in cases if c.process == process), key=lambda c: (c.decided_at, c.ticket_id)
    )
    for case in ordered:
        before = case.decision
        try:
            after = redecide(case, ledger)
        except ValidationError:
            report.unreadable.append(case.ticket_id)
            continue
        moved, would = case.moved_cents, case.would_move(after)
        report.cases += 1
        rules.setdefault(before.rule, RuleCount(rule=before.rule)).before += 1
        rules.setdefault(after.rule, RuleCount(rule=after.rule)).after += 1
        _count_level(levels, before, "before")
        _count_level(levels, after, "after")
        money.moved_cents += moved
        money.would_move_cents += would
        money.no_longer_moved_cents += max(moved - would, 0)
        money.newly_moved_cents += max(would - moved, 0)
        if after.asks_people and (before.label != after.label):
            money.newly_awaiting_approval_cents += after.amount_cents
        if before.label == after.label and moved == would:
            continue
        report.changed += 1
        transitions[f"{before.label} -> {after.label}"] += 1
        report.changes.append(
            DecisionChange(
                ticket_id=case.ticket_id,
                workflow_id=case.workflow_id,
                decided_at=case.decided_at,
                before=before.label,
                after=after.label,
                before_rule=before.rule,
                after_rule=after.rule,
                moved_cents=moved,
                would_move_cents=would,
            )
        )
    money.difference_cents = money.would_move_cents - money.moved_cents
    report.transitions = dict(transitions.most_common())
    report.rules = sorted(rules.values(), key=lambda r: (-max(r.before, r.after), r.rule))
    report.approval_load = sorted(levels.values(), key=lambda load: load.level)
    return report


def _count_level(levels: dict[str, LevelLoad], decision: CaseDecision, side: str) -> None:
    if not decision.asks_people or decision.approval_level is None:
        return
    load = levels.setdefault(decision.approval_level, LevelLoad(level=decision.approval_level))
    if side == "before":
        load.cases_before += 1
        load.decisions_before += decision.required_approvals
    else:
        load.cases_after += 1
        load.decisions_after += decision.required_approvals
