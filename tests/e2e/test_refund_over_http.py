"""Refund tickets end to end over HTTP, as a helpdesk backend and an approver use the API.

Each test files a ticket for a case seeded with a real charge in the Stripe sandbox, follows it
through `GET /tickets/{id}` and asserts in the systems of record: the refunds Stripe holds for
the charge, and the CRM ticket with its audit trail and queued customer reply.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from integrations.crm_store.store import CrmStore
from integrations.crm_store.views import TicketView
from integrations.stripe_billing import StripeBilling
from tests.api_keys import CallerKeys
from tests.e2e.conftest import TEMPORAL_UI_URL
from tests.workflows.case_factory import SeededCase, seed_case
from worker.data_converter import data_converter
from worker.worker_app import WORKFLOWS
from workflows.case.contract import case_workflow_id

pytestmark = pytest.mark.slow

# Under the default policy: up to 50.00 is refunded without a human, up to 500.00 needs one;
# an order older than the 30-day refund window is denied.
AUTO_AMOUNT = 2_500
APPROVAL_AMOUNT = 18_000
OUTSIDE_WINDOW_DAYS = 45
DEADLINE_SECONDS = 60.0


def ticket_body(case: SeededCase) -> dict[str, Any]:
    # No requested_by: the helpdesk's key makes the requester `system:helpdesk`.
    return {"process": "refund", **case.request.model_dump(mode="json", exclude={"requested_by"})}


async def poll_ticket(
    http: httpx.AsyncClient, ticket_id: str, state: str, source: str = "workflow"
) -> dict[str, Any]:
    """GET /tickets/{id} until `source` answers `state`; any non-200 answer fails at once.

    A final state shows in the live query before the outcome is written; only once the case has
    closed does the API answer from the CRM record, so terminal states wait for `database`."""
    give_up = time.monotonic() + DEADLINE_SECONDS
    view: dict[str, Any] = {}
    while time.monotonic() < give_up:
        response = await http.get(f"/tickets/{ticket_id}")
        assert response.status_code == 200, response.text
        view = response.json()
        if (view["state"], view["source"]) == (state, source):
            return view
        await asyncio.sleep(0.1)
    raise AssertionError(f"ticket {ticket_id} never reached {state} ({source}); last: {view}")


async def stored_ticket(crm_store: CrmStore, ticket_id: str) -> TicketView:
    ticket = await asyncio.to_thread(crm_store.get_ticket, ticket_id)
    assert ticket is not None, f"no CRM ticket {ticket_id}"
    return ticket


async def refund_amounts(billing: StripeBilling, charge_id: str) -> list[int]:
    return [r.amount_cents for r in await asyncio.to_thread(billing.list_refunds, charge_id)]


async def runs_of(client: Client, workflow_id: str) -> int:
    """Runs with this workflow id, as visibility lists them (eventually consistent: the first
    run must show up before the count means anything)."""
    query = f"WorkflowId = '{workflow_id}'"
    give_up = time.monotonic() + DEADLINE_SECONDS
    while (count := (await client.count_workflows(query)).count) == 0:
        assert time.monotonic() < give_up, f"{workflow_id} never appeared in visibility"
        await asyncio.sleep(0.1)
    return count


def assert_in_order(actions: list[str], expected: list[str]) -> None:
    """`expected` appears in `actions` in this order (other entries may sit in between)."""
    positions = [actions.index(action) if action in actions else -1 for action in expected]
    assert -1 not in positions and positions == sorted(positions), (
        f"audit trail {actions} lacks {expected} in that order"
    )


async def replay(client: Client, workflow_id: str) -> None:
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter())
    await replayer.replay_workflow(await client.get_workflow_handle(workflow_id).fetch_history())


async def test_approved_over_http_refunds_once_and_resolves(
    http: httpx.AsyncClient,
    api_keys: CallerKeys,
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
) -> None:
    case = seed_case(crm_store, stripe_billing, amount_cents=APPROVAL_AMOUNT)
    ticket_id = case.request.ticket_id
    workflow_id = case_workflow_id(ticket_id)

    filed = await http.post("/tickets", json=ticket_body(case))
    assert filed.status_code == 202, filed.text
    started = filed.json()
    assert started["workflow_id"] == workflow_id and started["run_id"]
    assert started["existing"] is False
    assert started["temporal_ui_url"] == (
        f"{TEMPORAL_UI_URL}/namespaces/{dev_server_env.client.namespace}/workflows/{workflow_id}"
    )

    waiting = await poll_ticket(http, ticket_id, "awaiting_approval")
    assert waiting["source"] == "workflow"
    pending = waiting["status"]["pending_approval"]
    assert pending["amount_cents"] == APPROVAL_AMOUNT and "alice" in pending["approvers"]

    # A helpdesk retrying its webhook lands on the running case.
    refiled = await http.post("/tickets", json=ticket_body(case))
    assert refiled.status_code == 200, refiled.text
    assert refiled.json()["existing"] is True
    assert (refiled.json()["workflow_id"], refiled.json()["run_id"]) == (
        workflow_id,
        started["run_id"],
    )

    unauthenticated = await http.post(
        f"/tickets/{ticket_id}/approvals",
        json={"decision": "approve"},
        headers={"Authorization": ""},
    )
    assert unauthenticated.status_code == 401
    by_the_helpdesk = await http.post(
        f"/tickets/{ticket_id}/approvals", json={"decision": "approve"}
    )
    assert by_the_helpdesk.status_code == 403  # a system key never decides
    approved = await http.post(
        f"/tickets/{ticket_id}/approvals",
        headers=api_keys.person("alice"),
        json={"decision": "approve", "amount_cents": APPROVAL_AMOUNT},
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["request_id"] == pending["request_id"]

    resolved = await poll_ticket(http, ticket_id, "resolved", source="database")
    assert resolved["workflow_status"] == "COMPLETED"
    assert resolved["record"]["refunds"][0]["amount_cents"] == APPROVAL_AMOUNT

    assert await refund_amounts(stripe_billing, case.charge_id) == [APPROVAL_AMOUNT]
    ticket = await stored_ticket(crm_store, ticket_id)
    assert ticket.status == "resolved"
    assert [(r.charge_id, r.amount_cents) for r in ticket.refunds] == [
        (case.charge_id, APPROVAL_AMOUNT)
    ]
    assert_in_order(
        [e.action for e in ticket.audit],
        ["policy:needs_approval", "approval_requested", "approved", "refund_issued"],
    )
    # The API's own audit rows (who filed, who decided) are written as requests end, so they
    # may interleave with the case's; the case's last word is its resolution.
    case_actions = [e.action for e in ticket.audit if not e.action.startswith("api_")]
    assert case_actions[-1] == "case_resolved"
    assert [(e.action, e.actor) for e in ticket.audit if e.action.startswith("api_")] == [
        ("api_ticket_filed", "system:helpdesk"),
        ("api_approval_decided", "alice"),
    ]
    assert [(a.status, a.approved_by) for a in ticket.approvals] == [("approved", ["alice"])]
    assert [(m.subject, m.status) for m in ticket.outbox] == [
        (f"Your refund for ticket {ticket_id}", "queued")
    ]

    # Once closed, filing the ticket again still returns that case and pays nothing more.
    closed_refiled = await http.post("/tickets", json=ticket_body(case))
    assert closed_refiled.status_code == 200, closed_refiled.text
    assert closed_refiled.json()["run_id"] == started["run_id"]
    client = dev_server_env.client
    assert (await client.get_workflow_handle(workflow_id).describe()).run_id == started["run_id"]
    assert await runs_of(client, workflow_id) == 1
    assert await refund_amounts(stripe_billing, case.charge_id) == [APPROVAL_AMOUNT]
    await replay(client, workflow_id)


async def test_auto_approved_over_http_refunds_without_a_human(
    http: httpx.AsyncClient,
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
) -> None:
    case = seed_case(crm_store, stripe_billing, amount_cents=AUTO_AMOUNT)
    ticket_id = case.request.ticket_id

    filed = await http.post("/tickets", json=ticket_body(case))
    assert filed.status_code == 202, filed.text
    await poll_ticket(http, ticket_id, "resolved", source="database")

    assert await refund_amounts(stripe_billing, case.charge_id) == [AUTO_AMOUNT]
    ticket = await stored_ticket(crm_store, ticket_id)
    actions = [e.action for e in ticket.audit]
    assert_in_order(actions, ["policy:auto_approve", "refund_issued", "case_resolved"])
    assert "approval_requested" not in actions and ticket.approvals == []
    assert [r.amount_cents for r in ticket.refunds] == [AUTO_AMOUNT]
    assert [m.status for m in ticket.outbox] == ["queued"]
    await replay(dev_server_env.client, case_workflow_id(ticket_id))


async def test_denied_over_http_never_refunds(
    http: httpx.AsyncClient,
    api_keys: CallerKeys,
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
) -> None:
    case = seed_case(
        crm_store, stripe_billing, amount_cents=AUTO_AMOUNT, age_days=OUTSIDE_WINDOW_DAYS
    )
    ticket_id = case.request.ticket_id

    filed = await http.post("/tickets", json=ticket_body(case))
    assert filed.status_code == 202, filed.text
    denied = await poll_ticket(http, ticket_id, "denied", source="database")
    assert "refund window" in denied["record"]["resolution"]

    # No approval can turn a policy denial into money: the case is closed.
    late = await http.post(
        f"/tickets/{ticket_id}/approvals",
        headers=api_keys.person("alice"),
        json={"decision": "approve"},
    )
    assert late.status_code == 409, late.text
    assert late.json()["error"] == "case_closed"

    assert await refund_amounts(stripe_billing, case.charge_id) == []
    ticket = await stored_ticket(crm_store, ticket_id)
    assert ticket.status == "denied" and ticket.refunds == []
    assert_in_order([e.action for e in ticket.audit], ["policy:deny", "case_denied"])
    assert len(ticket.outbox) == 1 and ticket.outbox[0].status == "queued"
    assert "refund window" in ticket.outbox[0].body
    await replay(dev_server_env.client, case_workflow_id(ticket_id))
