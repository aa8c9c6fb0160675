"""The backtest benches' common measurement: recorded cases bulk-inserted into a throwaway
SQLite CRM (timed apart), then read back and decided again under a candidate, as `supportflow
backtest` does."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from integrations.crm_store.decision_table import DecisionFacts
from integrations.crm_store.store import CrmStore
from integrations.crm_store.tables import Approval, Ticket
from policies.backtest import BacktestReport
from policies.billing_dispute import BillingDisputePolicy
from policies.refund_policy import RefundPolicy
from worker.backtest import run_backtest

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class TimedBacktest:
    report: BacktestReport
    seed_seconds: float
    read_seconds: float
    total_seconds: float  # reading the cases from the CRM plus the backtest over them

    @property
    def evaluate_seconds(self) -> float:
        return self.total_seconds - self.read_seconds


def timed_backtest(
    candidate: RefundPolicy | BillingDisputePolicy,
    process: str,
    rows: Callable[[], tuple[Rows, Rows, Rows]],
) -> TimedBacktest:
    """Seeding times making the (tickets, decision facts, approvals) rows and inserting them;
    the figure times reading the cases and the backtest over them."""
    with tempfile.TemporaryDirectory() as tmp:
        store = CrmStore(f"sqlite:///{Path(tmp) / 'crm.db'}")
        store.migrate()
        start = time.perf_counter()
        tickets, decisions, approvals = rows()
        with store.engine.begin() as connection:
            connection.execute(insert(Ticket), tickets)
            connection.execute(insert(DecisionFacts), decisions)
            connection.execute(insert(Approval), approvals)
        seeded = time.perf_counter() - start
        start = time.perf_counter()
        cases = store.decided_cases(process)
        read = time.perf_counter() - start
        report = run_backtest(candidate, cases)
        total = time.perf_counter() - start
        store.dispose()
    return TimedBacktest(report, seeded, read, total)
