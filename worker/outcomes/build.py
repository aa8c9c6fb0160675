"""One outcomes report from the CRM: read the period's cases, compute, render."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from integrations.outcome_facts import CaseFacts
from integrations.outcome_metrics import OutcomeReport, Slice, outcome_report
from policies.outcome_costs import load_outcome_costs
from worker.outcomes.page import render_html
from worker.outcomes.table import render_table

ReportFormat = Literal["table", "json", "html"]


class OutcomeSource(Protocol):
    def outcome_facts(self, since: datetime, until: datetime) -> list[CaseFacts]: ...


def build_report(
    store: OutcomeSource,
    since: datetime,
    until: datetime,
    by: Slice | None = None,
    costs_file: Path | None = None,
) -> OutcomeReport:
    costs = load_outcome_costs(costs_file)
    return outcome_report(store.outcome_facts(since, until), costs, since, until, by)


def render(report: OutcomeReport, fmt: ReportFormat) -> str:
    if fmt == "json":
        return report.model_dump_json(indent=2)
    if fmt == "html":
        return render_html(report)
    return render_table(report)
