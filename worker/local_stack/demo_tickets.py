"""Files the demo tickets through the running API and reports where each case settled.

Going through HTTP (not the Temporal client) makes `make run` exercise what a helpdesk would:
the same POST, the same duplicate handling on a second run, the same GET for the state. The
refund demos name the refund process; the triage demos name none, so TicketWorkflow picks their
route.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import BaseModel

from worker.case_report import describe_case, reply_command
from worker.case_status import CaseView
from worker.local_stack.demo_data import DEMO_SCENARIOS, DemoScenario
from worker.local_stack.demo_disputes import DISPUTE_DEMOS, dispute_payload
from worker.local_stack.demo_triage import TRIAGE_DEMOS, TriageDemo

# States where a case rests until something outside it happens, and states it ends in.
WAITING = {"awaiting_approval", "awaiting_customer"}
FINAL = {"resolved", "denied", "rejected", "escalated", "expired"}
SETTLE_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class DemoFiling:
    """One demo ticket as the helpdesk posts it; `reply_text`, if any, is the customer's answer
    to a clarifying question, printed as a command while the ticket waits for it."""

    name: str
    ticket_id: str
    payload: dict[str, object]
    reply_text: str | None = None


class DemoTicket(BaseModel):
    scenario: str
    ticket_id: str
    existing: bool
    view: CaseView | None
    settled: bool
    reply_text: str | None = None


def ticket_payload(scenario: DemoScenario) -> dict[str, object]:
    return {
        "ticket_id": scenario.ticket_id,
        "process": "refund",
        "customer_id": scenario.customer_id,
        "order_id": scenario.order_id,
        "subject": scenario.subject,
        "body": scenario.body,
        "channel": "demo",
    }


def triage_payload(demo: TriageDemo) -> dict[str, object]:
    """No process, no order id, no amount: only what a customer writes."""
    return {
        "ticket_id": demo.ticket_id,
        "customer_id": demo.customer_id,
        "subject": demo.subject,
        "body": demo.body,
        "channel": "demo",
    }


def demo_filings() -> list[DemoFiling]:
    refunds = [DemoFiling(s.name, s.ticket_id, ticket_payload(s)) for s in DEMO_SCENARIOS]
    triaged = [
        DemoFiling(d.name, d.ticket_id, triage_payload(d), d.reply_text) for d in TRIAGE_DEMOS
    ]
    disputes = [DemoFiling(d.name, d.ticket_id, dispute_payload(d)) for d in DISPUTE_DEMOS]
    return refunds + triaged + disputes


def is_settled(view: CaseView) -> bool:
    """A waiting case rests as soon as it waits; a finished one once it has closed and its CRM
    record (reply, refund, hand-off note) is complete. A triaged ticket in a process rests when
    that process does (e.g. awaits an approval)."""
    if view.state == "in_process" and view.process_status is not None:
        return view.process_status.state in WAITING
    if view.state in FINAL:
        return view.source == "database" or _waits_for_a_person(view)
    return view.state in WAITING


def _waits_for_a_person(view: CaseView) -> bool:
    """A ticket's hand-off stays open until a person ends it (workflows/ticket/review.py)."""
    review = getattr(view.status, "review", None)
    return view.state == "escalated" and view.source == "workflow" and review is not None


async def file_demo_tickets(api_url: str, api_key: str) -> list[DemoTicket]:
    """Filed as the demo helpdesk system, so each case's requester is `system:demo-helpdesk`
    and any approver may decide it."""
    headers = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(base_url=api_url, timeout=30.0, headers=headers) as http:
        filed = []
        for filing in demo_filings():
            response = await http.post("/tickets", json=filing.payload)
            response.raise_for_status()
            filed.append((filing, bool(response.json()["existing"])))
        return list(
            await asyncio.gather(*(_settle(http, filing, existing) for filing, existing in filed))
        )


async def _settle(http: httpx.AsyncClient, filing: DemoFiling, existing: bool) -> DemoTicket:
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    view: CaseView | None = None
    while time.monotonic() < deadline:
        response = await http.get(f"/tickets/{filing.ticket_id}")
        if response.status_code == 200:
            view = CaseView.model_validate(response.json())
            if is_settled(view):
                break
        await asyncio.sleep(0.25)
    return DemoTicket(
        scenario=filing.name,
        ticket_id=filing.ticket_id,
        existing=existing,
        view=view,
        settled=view is not None and is_settled(view),
        reply_text=filing.reply_text,
    )


def report(
    tickets: list[DemoTicket],
    say: Callable[[str], None],
    key_files: dict[str, Path] | None = None,
) -> None:
    for ticket in tickets:
        note = "filed earlier, current state" if ticket.existing else "filed now"
        say(f"\n[{ticket.scenario}] ({note})")
        if ticket.view is None:
            say(f"  Ticket {ticket.ticket_id}: no answer from the API yet")
            continue
        for line in describe_case(ticket.view, key_files):
            say(f"  {line}")
        if ticket.reply_text and ticket.view.state == "awaiting_customer":
            say(f"  Answer as the customer: {reply_command(ticket.ticket_id, ticket.reply_text)}")
        if not ticket.settled:
            say(
                f"  (still {ticket.view.state} after {SETTLE_TIMEOUT_SECONDS:.0f}s; see the worker log)"
            )
