"""Business metrics for Prometheus: what the support operation is doing, not how the SDK is.

Two kinds, documented in docs/operations.md:
- read from the CRM on each scrape (`CrmCollector`): cases per process and status, money
  refunded, approvals pending and the age of the oldest, hand-offs open and SLA breaches. Every
  API replica reports the same values and nothing is lost on restart.
- counted where they happen (`WEBHOOK_EVENTS`, `WEBHOOK_REJECTIONS`): webhook deliveries this API
  process received and refused. They exist nowhere else; they reset when the process restarts
  and are per replica, so sum them with `sum by (vendor) (rate(...))`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from integrations.crm_store.case_counts import CaseCounts, read_case_counts
from integrations.crm_store.store import CrmStore

log = logging.getLogger("supportflow.metrics")

# Statuses a case ends in; with `supportflow_cases` they give resolved / escalated per process.
RESOLVED, ESCALATED = "resolved", "escalated"


class CrmCollector(Collector):
    """Yields the CRM-derived metrics at scrape time; a database that does not answer makes
    `supportflow_crm_up` 0 instead of failing the whole scrape (SDK metrics still come)."""

    def __init__(self, store: Callable[[], CrmStore | None], clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        up = GaugeMetricFamily("supportflow_crm_up", "1 when the CRM answered this scrape")
        started = time.perf_counter()
        counts = self._read()
        up.add_metric([], 0.0 if counts is None else 1.0)
        yield up
        yield GaugeMetricFamily(
            "supportflow_crm_scrape_seconds",
            "Time the CRM queries behind this scrape took",
            value=time.perf_counter() - started,
        )
        if counts is not None:
            yield from self._families(counts)

    def _read(self) -> CaseCounts | None:
        store = self._store()
        if store is None:
            return None
        try:
            with store.session() as session:
                return read_case_counts(session)
        except Exception:  # a scrape answers with crm_up 0; the cause goes to the log
            log.warning("metrics: the CRM did not answer", exc_info=True)
            return None

    def _families(self, counts: CaseCounts) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        by_status = GaugeMetricFamily(
            "supportflow_cases",
            "Cases (tickets) by process and current status",
            labels=["process", "status"],
        )
        started = CounterMetricFamily(
            "supportflow_cases_started", "Cases ever opened, by process", labels=["process"]
        )
        resolved = GaugeMetricFamily(
            "supportflow_cases_resolved", "Cases now resolved, by process", labels=["process"]
        )
        escalated = GaugeMetricFamily(
            "supportflow_cases_escalated", "Cases now escalated, by process", labels=["process"]
        )
        totals: dict[str, dict[str, int]] = {}
        for c in counts.cases:
            by_status.add_metric([c.process, c.status], c.count)
            per = totals.setdefault(c.process, {})
            per[c.status] = per.get(c.status, 0) + c.count
        for process, per in sorted(totals.items()):
            started.add_metric([process], sum(per.values()))
            resolved.add_metric([process], per.get(RESOLVED, 0))
            escalated.add_metric([process], per.get(ESCALATED, 0))
        yield from (by_status, started, resolved, escalated)
        yield from self._money(counts)
        yield from self._approvals(counts)
        yield from self._handoffs(counts)

    def _money(self, counts: CaseCounts) -> Iterator[CounterMetricFamily]:
        refunds = CounterMetricFamily(
            "supportflow_refunds", "Refunds paid out (succeeded or pending)", labels=["currency"]
        )
        moved = CounterMetricFamily(
            "supportflow_money_refunded_cents",
            "Money refunded, in the currency's minor unit",
            labels=["currency"],
        )
        for m in counts.money:
            refunds.add_metric([m.currency], m.refunds)
            moved.add_metric([m.currency], m.amount_cents)
        yield from (refunds, moved)

    def _approvals(self, counts: CaseCounts) -> Iterator[GaugeMetricFamily]:
        pending = GaugeMetricFamily(
            "supportflow_approvals_pending",
            "Approval requests waiting for a person",
            labels=["level"],
        )
        oldest = GaugeMetricFamily(
            "supportflow_approval_oldest_pending_age_seconds",
            "How long the oldest pending approval request has waited",
            labels=["level"],
        )
        now = self._clock()
        for a in counts.approvals:
            pending.add_metric([a.level], a.count)
            if a.oldest_created_at is not None:
                oldest.add_metric([a.level], (now - a.oldest_created_at).total_seconds())
        yield from (pending, oldest)

    def _handoffs(self, counts: CaseCounts) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        open_ = GaugeMetricFamily(
            "supportflow_handoffs_open", "Hand-offs a person has not ended", labels=["urgency"]
        )
        breaches = CounterMetricFamily(
            "supportflow_handoff_sla_breaches",
            "Hand-offs that breached their SLA",
            labels=["urgency"],
        )
        for h in counts.handoffs:
            open_.add_metric([h.urgency], h.open)
            breaches.add_metric([h.urgency], h.sla_breaches)
        yield from (open_, breaches)


def business_registry(
    store: Callable[[], CrmStore | None], clock: Callable[[], datetime] | None = None
) -> tuple[CollectorRegistry, Counter, Counter]:
    """A registry per API app (tests build several apps in one process), with the webhook
    counters registered in it."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(CrmCollector(store, clock or (lambda: datetime.now(UTC))))
    received = Counter(
        "supportflow_webhook_events_received",
        "Webhook deliveries this API process received",
        ["vendor"],
        registry=registry,
    )
    rejected = Counter(
        "supportflow_webhook_events_rejected",
        "Webhook deliveries this API process refused (bad signature, stale, malformed)",
        ["vendor", "status"],
        registry=registry,
    )
    return registry, received, rejected
