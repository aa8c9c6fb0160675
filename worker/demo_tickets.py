"""Files the demo tickets through the running API and reports where each case settled.

Going through HTTP (not the Temporal client) makes `make run` exercise what a helpdesk would:
the same POST, the same duplicate handling on a second run, the same GET for the state.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
from pydantic import BaseModel

from worker.case_report import describe_case
from worker.case_status import CaseView
from worker.demo_data import DEMO_SCENARIOS, DemoScenario

# States where a case rests until something outside it happens (or for good).
SETTLED = {"awaiting_approval", "resolved", "denied", "rejected", "escalated", "expired"}
SETTLE_TIMEOUT_SECONDS = 60.0


class DemoTicket(BaseModel):
    scenario: str
    ticket_id: str
    existing: bool
    view: CaseView | None
    settled: bool


def ticket_payload(scenario: DemoScenario) -> dict[str, object]:
    return {
        "ticket_id": scenario.ticket_id,
        "process": "refund",
        "customer_id": scenario.customer_id,
        "order_id": scenario.order_id,
        "subject": scenario.subject,
        "body": scenario.body,
        "requested_by": "customer",
        "channel": "demo",
    }


async def file_demo_tickets(api_url: str) -> list[DemoTicket]:
    async with httpx.AsyncClient(base_url=api_url, timeout=30.0) as http:
        filed = []
        for scenario in DEMO_SCENARIOS:
            response = await http.post("/tickets", json=ticket_payload(scenario))
            response.raise_for_status()
            filed.append((scenario, bool(response.json()["existing"])))
        return list(
            await asyncio.gather(
                *(_settle(http, scenario, existing) for scenario, existing in filed)
            )
        )


async def _settle(http: httpx.AsyncClient, scenario: DemoScenario, existing: bool) -> DemoTicket:
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    view: CaseView | None = None
    while time.monotonic() < deadline:
        response = await http.get(f"/tickets/{scenario.ticket_id}")
        if response.status_code == 200:
            view = CaseView.model_validate(response.json())
            if view.state in SETTLED:
                break
        await asyncio.sleep(0.25)
    settled = view is not None and view.state in SETTLED
    return DemoTicket(
        scenario=scenario.name,
        ticket_id=scenario.ticket_id,
        existing=existing,
        view=view,
        settled=settled,
    )


def report(tickets: list[DemoTicket], say: Callable[[str], None]) -> None:
    for ticket in tickets:
        note = "filed earlier, current state" if ticket.existing else "filed now"
        say(f"\n[{ticket.scenario}] ({note})")
        if ticket.view is None:
            say(f"  Ticket {ticket.ticket_id}: no answer from the API yet")
            continue
        for line in describe_case(ticket.view):
            say(f"  {line}")
        if not ticket.settled:
            say(
                f"  (still {ticket.view.state} after {SETTLE_TIMEOUT_SECONDS:.0f}s; see the worker log)"
            )
