"""`make run`'s review-loop demo and the outcomes report it leaves: works the four review
tickets (demo_review), then writes the HTML report for the demo data and prints its path."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from integrations.crm_store import CrmStore
from worker.local_stack.demo_keys import DemoKeys
from worker.local_stack.demo_review import (
    REVIEW_DEMOS,
    SLA_BREACH,
    WAIT_SECONDS,
    demo_routing_policy,
    run_review_demo,
)
from worker.local_stack.startup import say
from worker.outcomes.build import build_report, render

REPORT_FILE = "reports/outcomes.html"
# A ticket's CRM record once its case has ended (`escalated` is not: a person may resolve it).
ENDED = frozenset({"resolved", "denied", "rejected", "expired"})


def sla_breached(store: CrmStore, ticket_id: str = SLA_BREACH.ticket_id) -> Callable[[], bool]:
    return lambda: any(h.sla_breached_at is not None for h in store.list_handoffs(ticket_id))


async def recorded_ended(
    store: CrmStore, ticket_ids: Iterable[str], timeout: float = WAIT_SECONDS
) -> dict[str, str]:
    """Waits (at most `timeout` seconds) until the CRM records each ticket's case as ended, and
    returns each ticket's recorded status. The API answers a running case from its workflow, so
    a ticket can read `resolved` there a moment before the case's last activity writes it to
    the CRM, which is what the report reads."""
    pending = set(ticket_ids)
    statuses: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while True:
        for ticket_id in sorted(pending):
            ticket = await asyncio.to_thread(store.get_ticket, ticket_id)
            statuses[ticket_id] = ticket.status if ticket is not None else "missing"
            if statuses[ticket_id] in ENDED:
                pending.discard(ticket_id)
        if not pending or time.monotonic() >= deadline:
            return statuses
        await asyncio.sleep(0.5)


def write_demo_report(store: CrmStore, data_dir: Path) -> Path:
    """The last 30 days of the demo CRM, sliced by process, as one HTML page."""
    now = datetime.now(UTC)
    report = build_report(store, now - timedelta(days=30), now + timedelta(minutes=1), "process")
    path = data_dir / REPORT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(report, "html"), encoding="utf-8")
    return path


def review_demo_env(data_dir: Path) -> dict[str, str]:
    """The worker's routing policy in `make run`: critical tickets breach their SLA within a
    minute, so the review demo shows one."""
    path = demo_routing_policy(data_dir / "demo-routing-policy.json")
    return {"SUPPORTFLOW_ROUTING_POLICY_PATH": str(path)}


async def show_review_demo(database_url: str, api_url: str, keys: DemoKeys, data_dir: Path) -> Path:
    store = CrmStore(database_url)
    person_files = keys.person_files
    try:
        headers = {"Authorization": f"Bearer {keys.helpdesk}"}
        async with httpx.AsyncClient(base_url=api_url, timeout=30.0, headers=headers) as http:
            say("\nReview loop (people work hand-offs over the API with their own keys; ~1 min):")
            results = await run_review_demo(
                http, lambda person: person_files[person].read_text().strip(), sla_breached(store)
            )
        for name, outcome in results:
            say(f"  [{name}] {outcome}")
        # Seconds at most for cases the API already read as ended; a case a person still
        # holds (an earlier run's, or an SLA that did not breach) is reported as it stands.
        await recorded_ended(store, (demo.ticket_id for demo in REVIEW_DEMOS), timeout=30.0)
        path = write_demo_report(store, data_dir)
    finally:
        store.dispose()
    say(f"\nOutcomes report for the demo data: {path.resolve()}")
    say("  (again any time: supportflow report --format html --out FILE)")
    return path
