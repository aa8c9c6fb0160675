"""The backtest report as the terminal shows it: what changes, money, approval load, rules."""

from __future__ import annotations

from collections.abc import Iterator

from policies.backtest_findings import FindingsReport, FoundItem
from worker.backtest import BacktestRun


def _money(cents: int) -> str:
    return f"{cents / 100:,.2f}"


def report_lines(run: BacktestRun, limit: int = 50) -> Iterator[str]:
    report = run.report
    since = f" since {report.since:%Y-%m-%d %H:%M} UTC" if report.since else ""
    yield (
        f"Backtest of {report.process} policy {report.candidate_version} on "
        f"{report.cases} past case(s){since}"
        + (f" ({run.from_history} read from Temporal histories)" if run.from_history else "")
    )
    if run.without_facts:
        yield (
            f"  not evaluated, no recorded facts: {len(run.without_facts)} "
            f"({', '.join(run.without_facts[:10])}{', ...' if len(run.without_facts) > 10 else ''})"
        )
    if report.unreadable:
        yield (
            f"  not evaluated, facts this version cannot read: {len(report.unreadable)} "
            f"({', '.join(report.unreadable[:10])})"
        )
    yield f"Decisions that change: {report.changed} of {report.cases}"
    for transition, count in report.transitions.items():
        yield f"  {transition:<48} {count:>6}"
    if report.changes:
        yield ""
        yield f"  {'ticket':<24} {'decided':<17} {'before':<24} {'after':<24} moved -> would move"
        for change in report.changes[:limit]:
            yield (
                f"  {change.ticket_id:<24} {change.decided_at:%Y-%m-%d %H:%M} "
                f"{change.before:<24} {change.after:<24} "
                f"{_money(change.moved_cents)} -> {_money(change.would_move_cents)}"
            )
        if len(report.changes) > limit:
            yield f"  ... {len(report.changes) - limit} more (--format json lists all)"
    money = report.money
    yield ""
    yield (
        f"Money: moved {_money(money.moved_cents)}, would move {_money(money.would_move_cents)} "
        f"(difference {_money(money.difference_cents)})"
    )
    yield (
        f"  no longer paid {_money(money.no_longer_moved_cents)}; newly paid "
        f"{_money(money.newly_moved_cents)}; newly waiting for approvers "
        f"{_money(money.newly_awaiting_approval_cents)}"
    )
    yield ""
    yield "Approval load per level       cases before -> after   approver decisions before -> after"
    for load in report.approval_load:
        yield (
            f"  {load.level:<28} {load.cases_before:>6} -> {load.cases_after:<6} "
            f"{load.decisions_before:>17} -> {load.decisions_after}"
        )
    if not report.approval_load:
        yield "  (no case asks approvers)"
    yield ""
    yield "Rules                                      before -> after"
    for rule in report.rules:
        yield f"  {rule.rule:<40} {rule.before:>6} -> {rule.after}"
    if report.method_changes:
        yield f"Wrong charges put right another way (refund/credit): {report.method_changes}"
    if report.findings is not None:
        yield from _findings_lines(report.findings, limit)


def _found(items: list[FoundItem]) -> str:
    return ", ".join(f"{i.kind} {i.charge_id} {_money(i.excess_cents)}" for i in items) or "none"


def _findings_lines(findings: FindingsReport, limit: int) -> Iterator[str]:
    yield ""
    yield "Findings per rule                          current -> candidate"
    for count in findings.rules:
        yield f"  {count.kind:<40} {count.current:>6} -> {count.candidate}"
    if not findings.rules:
        yield "  (nothing found in any case)"
    for title, changes in (
        ("Cases whose findings change", findings.changed),
        ("Cases found wrong by another amount only", findings.amount_only),
    ):
        yield f"{title}: {len(changes)}"
        for change in changes[:limit]:
            yield f"  {change.ticket_id}: {_found(change.current)} -> {_found(change.candidate)}"
        if len(changes) > limit:
            yield f"  ... {len(changes) - limit} more (--format json lists all)"
    if findings.not_reapplied:
        shown = ", ".join(findings.not_reapplied[:10])
        more = ", ..." if len(findings.not_reapplied) > 10 else ""
        yield (
            f"Findings not re-applied (decided before the billing history was recorded; "
            f"recorded findings used): {len(findings.not_reapplied)} ({shown}{more})"
        )
