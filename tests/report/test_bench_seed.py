"""The report benchmark's seeding writes cases the report reads in full (so the benchmark keeps
measuring what `supportflow report` does, not an empty database)."""

from __future__ import annotations

from datetime import timedelta

from bench.report_cases import START, seed
from integrations.crm_store import CrmStore
from worker.outcomes.build import build_report


def test_seeded_cases_are_all_reported(crm_store: CrmStore) -> None:
    seed(crm_store, cases=200)
    report = build_report(crm_store, START, START + timedelta(days=31), "intent")
    o = report.overall
    assert o.cases == 200 and sum(s.cases for s in report.slices.values()) == 200
    assert 0 < o.escalated < 200 and o.drafts_reviewed > 0 and o.approvals_decided > 0
    assert o.llm_cost > 0 and o.cost_per_resolved_case is not None
