"""How long `supportflow report` takes over 10,000 cases: a SQLite CRM seeded with tickets as
the workflows record them (triage and routing audit rows, LLM usage, first replies, hand-offs
with drafts, SLA breaches and reopens, approvals with decisions), then the report read and
computed by intent and rendered as HTML. Target: report_seconds_10k_cases <= 5."""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from integrations.crm_store import CrmStore
from integrations.crm_store.handoff_table import Handoff
from integrations.crm_store.tables import (
    Approval,
    ApprovalDecisionRow,
    AuditEvent,
    Customer,
    OutboxMessage,
    Ticket,
)
from worker.outcomes.build import build_report, render

CASES = 10_000
START = datetime(2026, 11, 1, tzinfo=UTC)
INTENTS = ("how_to", "shipping", "order_status", "refund_request", "complaint", "billing_question")
REASONS = (
    "No help-center article answers the question.",
    "The drafted answer needs review: Rollout mode is assist: a person sends every answer.",
    "Escalated: complaint tickets always go to a person.",
)


def _case_rows(i: int, rng: random.Random, rows: dict[str, list[dict[str, Any]]]) -> None:
    ticket_id = f"B-{i:05d}"
    created = START + timedelta(minutes=rng.randrange(0, 30 * 24 * 60))
    intent = rng.choice(INTENTS)
    escalated = rng.random() < 0.3
    status = "resolved" if rng.random() < 0.85 else ("escalated" if escalated else "denied")
    rows["tickets"].append(
        {
            "id": ticket_id,
            "customer_id": f"cus_b{i % 500}",
            "subject": "Help",
            "body": "Benchmark ticket",
            "channel": rng.choice(("email", "chat", "api")),
            "process": "ticket",
            "status": status,
            "created_at": created,
            "updated_at": created + timedelta(minutes=rng.randrange(1, 3000)),
        }
    )
    route = "escalate" if escalated else ("answer" if rng.random() < 0.6 else "start_process")
    for action, detail in (
        ("triaged", f"{intent} (0.81, rules)"),
        (f"routed:{route}", f"rule:{route}: benchmark"),
        ("llm_usage", f"triage {rng.randrange(300, 900)}+{rng.randrange(40, 120)} (openai)"),
        ("handed_off", "not read by the report"),
    ):
        rows["audit"].append(
            {
                "ticket_id": ticket_id,
                "actor": "supportflow",
                "action": action,
                "detail": detail,
                "at": created,
            }
        )
    rows["outbox"].append(
        {
            "ticket_id": ticket_id,
            "subject": "Re: Help",
            "body": "Reply",
            "citations": [],
            "status": "queued",
            "dedupe_key": f"{ticket_id}:first",
            "created_at": created + timedelta(minutes=rng.randrange(0, 120)),
        }
    )
    if escalated:
        opened = created + timedelta(minutes=1)
        claimed = opened + timedelta(minutes=rng.randrange(1, 300))
        drafted = rng.random() < 0.5
        rows["handoffs"].append(
            {
                "handoff_id": f"{ticket_id}-h1",
                "ticket_id": ticket_id,
                "workflow_id": f"ticket-{ticket_id}",
                "reason": rng.choice(REASONS),
                "urgency": "normal",
                "reopened": rng.random() < 0.05,
                "state": "resolved",
                "opened_at": opened,
                "claimed_by": "alice",
                "claimed_at": claimed,
                "resolved_by": "alice",
                "resolved_at": claimed + timedelta(minutes=rng.randrange(1, 60)),
                "ending": "edited" if drafted else "resolved",
                "draft_text": "draft" if drafted else None,
                "sent_text": "sent" if drafted else None,
                "edit_distance": round(rng.random(), 4) if drafted else None,
                "draft_rejected": False,
                "sla_breached_at": opened + timedelta(hours=4) if rng.random() < 0.1 else None,
                "updated_at": claimed,
            }
        )
    if route == "start_process" and rng.random() < 0.4:
        request_id = f"req-{ticket_id}"
        decided = created + timedelta(minutes=rng.randrange(5, 600))
        rows["approvals"].append(
            {
                "ticket_id": ticket_id,
                "workflow_id": f"ticket-{ticket_id}",
                "request_id": request_id,
                "level": "single",
                "amount_cents": 9000,
                "currency": "usd",
                "required_approvals": 1,
                "approvers": ["alice"],
                "requested_by": "customer",
                "rule": "single_approval_required",
                "reason": "benchmark",
                "status": "approved",
                "expires_at": created + timedelta(days=1),
                "created_at": created,
                "decided_at": decided,
            }
        )
        rows["decisions"].append(
            {
                "request_id": request_id,
                "approver": "alice",
                "decision": "approve",
                "channel": "api",
                "at": decided,
            }
        )


def seed(store: CrmStore, cases: int = CASES) -> None:
    rng = random.Random(12)
    rows: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("tickets", "audit", "outbox", "handoffs", "approvals", "decisions")
    }
    for i in range(cases):
        _case_rows(i, rng, rows)
    customers = [
        {
            "id": f"cus_b{n}",
            "name": "Bench",
            "email": f"b{n}@example.com",
            "tier": ("standard", "gold", "vip")[n % 3],
            "created_at": START,
        }
        for n in range(500)
    ]
    with store.engine.begin() as connection:
        for table, batch in (
            (Customer, customers),
            (Ticket, rows["tickets"]),
            (AuditEvent, rows["audit"]),
            (OutboxMessage, rows["outbox"]),
            (Handoff, rows["handoffs"]),
            (Approval, rows["approvals"]),
            (ApprovalDecisionRow, rows["decisions"]),
        ):
            connection.execute(insert(table.__table__), batch)  # type: ignore[union-attr]


def main() -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        store = CrmStore(f"sqlite:///{Path(tmp) / 'crm.db'}")
        store.migrate()
        started = time.perf_counter()
        seed(store)
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        report = build_report(store, START, START + timedelta(days=31), "intent")
        computed = time.perf_counter() - started
        page = render(report, "html")
        total = time.perf_counter() - started
        store.dispose()
    assert report.overall.cases == CASES
    return {
        "report_seconds_10k_cases": f"{total:.2f}",
        "report_read_and_compute_seconds": f"{computed:.2f}",
        "report_render_html_ms": f"{(total - computed) * 1000:.1f}",
        "report_html_bytes": str(len(page)),
        "report_seed_seconds_10k_cases": f"{seeded:.2f}",
    }


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key}={value}")
