"""A hand-off worked to the end over HTTP: the real API on a loopback socket, the production
worker (no workflow cache), the dev server and the Stripe sandbox. People act with their own
keys; refusals are 4xx with a stable code; outcomes are asserted in the CRM and in Stripe.

Two of these runs are kept as stored histories (SUPPORTFLOW_RECORD_HISTORIES=1):
`ticket_handoff_resolved` and `ticket_handoff_refund`.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import StripeBilling
from tests.api_keys import CallerKeys
from tests.e2e.test_triage_over_http import case_worker, closed_as, poll, settings
from tests.e2e.triage_stack import replay_and_keep, seed_customer, seed_paid_order
from workflows.case.contract import case_workflow_id

pytestmark = pytest.mark.slow
# The production worker with rules triage and the demo help center, as for triaged tickets.
__all__ = ["case_worker", "settings"]

DEADLINE_SECONDS = 60.0
HUMAN = "Let me talk to a human please, not a bot."


async def file_and_wait(http: httpx.AsyncClient, crm_store: CrmStore, customer_id: str) -> str:
    ticket_id = f"T-handoff-{time.monotonic_ns() % 10**10}"
    response = await http.post(
        "/tickets",
        json={"ticket_id": ticket_id, "customer_id": customer_id, "subject": "Help", "body": HUMAN},
    )
    assert response.status_code == 202, response.text
    give_up = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < give_up:
        response = await http.get(f"/tickets/{ticket_id}/handoff")
        if response.status_code == 200 and crm_store.list_handoffs(ticket_id):
            return ticket_id
        await asyncio.sleep(0.1)
    raise AssertionError(f"ticket {ticket_id} was never handed off: {response.text}")


async def post(
    http: httpx.AsyncClient, path: str, headers: dict[str, str], body: dict[str, Any] | None = None
) -> httpx.Response:
    return await http.post(path, json=body, headers=headers)


async def test_claim_refusals_resolve_and_reopen(
    http: httpx.AsyncClient,
    api_keys: CallerKeys,
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
) -> None:
    ticket_id = await file_and_wait(http, crm_store, seed_customer(crm_store))
    card = (await http.get(f"/tickets/{ticket_id}/handoff")).json()
    assert card["state"] == "waiting" and card["escalation_reason"]
    assert "claim" in card["allowed_actions"] and HUMAN in card["customer_message"]

    base = f"/tickets/{ticket_id}/handoff"
    unknown_case = await http.get("/tickets/T-no-such-ticket/handoff")
    assert (unknown_case.status_code, unknown_case.json()["error"]) == (404, "not_found")
    no_case = await post(http, "/tickets/T-no-such-ticket/handoff/claim", api_keys.person("bob"))
    assert (no_case.status_code, no_case.json()["error"]) == (404, "not_found")
    bad_verb = await post(http, f"{base}/approve", api_keys.person("bob"))
    assert bad_verb.status_code == 422
    system = await post(http, f"{base}/claim", api_keys.system_headers)
    assert (system.status_code, system.json()["error"]) == (403, "person_required")
    outsider = await post(http, f"{base}/claim", api_keys.person("mallory"))
    assert (outsider.status_code, outsider.json()["error"]) == (403, "not_an_agent")
    claimed = await post(http, f"{base}/claim", api_keys.person("alice"))
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["claimed_by"] == "alice"
    other = await post(http, f"{base}/resolve", api_keys.person("bob"), {"note": "done"})
    assert (other.status_code, other.json()["error"]) == (409, "claimed_by_other")
    missing = await post(http, f"{base}/resolve", api_keys.person("alice"), {})
    assert (missing.status_code, missing.json()["error"]) == (422, "invalid_action")
    unknown = await post(http, f"{base}/resolve", api_keys.person("alice"), {"whom": "x"})
    assert unknown.status_code == 422
    resolved = await post(
        http,
        f"{base}/resolve",
        api_keys.person("alice"),
        {"note": "Called the customer", "reply": "We have sorted this out for you."},
    )
    assert resolved.status_code == 200 and resolved.json()["state"] == "resolved"
    again = await post(http, f"{base}/claim", api_keys.person("bob"))
    assert (again.status_code, again.json()["error"]) == (409, "not_waiting_for_person")

    reopened = await post(
        http, f"/tickets/{ticket_id}/reopen", api_keys.system_headers, {"text": "Still broken."}
    )
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["reopens"] == 1
    twice = await post(
        http, f"/tickets/{ticket_id}/reopen", api_keys.system_headers, {"text": "Hello?"}
    )
    assert (twice.status_code, twice.json()["error"]) == (409, "not_reopenable")
    give_up = time.monotonic() + DEADLINE_SECONDS
    while len(crm_store.list_handoffs(ticket_id)) < 2 and time.monotonic() < give_up:
        await asyncio.sleep(0.1)
    assert crm_store.reopen_count(ticket_id) == 1
    record = crm_store.get_ticket(ticket_id)
    assert record is not None
    bodies = [m.body for m in record.outbox]
    assert "We have sorted this out for you.\n" in bodies
    actors = {(e.actor, e.action) for e in record.audit}
    assert ("alice", "api_handoff_action") in actors and ("bob", "api_handoff_refused") in actors
    assert ("system:helpdesk", "api_ticket_reopened") in actors
    await replay_and_keep(
        dev_server_env.client, [case_workflow_id(ticket_id)], "ticket_handoff_resolved"
    )
    await dev_server_env.client.get_workflow_handle(case_workflow_id(ticket_id)).terminate()


async def test_hand_back_starts_a_refund_that_pays_once(
    http: httpx.AsyncClient,
    api_keys: CallerKeys,
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
) -> None:
    # Below the auto-approve limit of the refund policy: the refund pays without an approver.
    order = seed_paid_order(crm_store, stripe_billing, 2_500)
    ticket_id = await file_and_wait(http, crm_store, order.customer_id)
    base = f"/tickets/{ticket_id}/handoff"
    instruction = {"kind": "start_process", "process": "refund", "order_id": order.order_id}
    response = await post(
        http, f"{base}/handback", api_keys.person("carol"), {"instruction": instruction}
    )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "handed_back"
    await closed_as(http, ticket_id, "resolved")
    refunds = await asyncio.to_thread(stripe_billing.list_refunds, order.charge_id)
    assert [r.amount_cents for r in refunds] == [2_500]
    [row] = crm_store.list_handoffs(ticket_id)
    assert (row.ending, row.resolved_by) == ("process_started", "carol")
    await replay_and_keep(
        dev_server_env.client, [case_workflow_id(ticket_id)], "ticket_handoff_refund"
    )


async def test_the_person_who_hands_back_a_refund_cannot_approve_it(
    http: httpx.AsyncClient,
    api_keys: CallerKeys,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
) -> None:
    # Above the auto-approve limit: the refund policy asks one approver.
    order = seed_paid_order(crm_store, stripe_billing, 18_000)
    ticket_id = await file_and_wait(http, crm_store, order.customer_id)
    instruction = {"kind": "start_process", "process": "refund", "order_id": order.order_id}
    response = await post(
        http,
        f"/tickets/{ticket_id}/handoff/handback",
        api_keys.person("alice"),
        {"instruction": instruction},
    )
    assert response.status_code == 200, response.text
    await poll(
        http,
        ticket_id,
        lambda v: (v.get("process_status") or {}).get("state") == "awaiting_approval",
        "waiting for the refund's approver",
    )
    approvals = f"/tickets/{ticket_id}/approvals"
    own = await post(http, approvals, api_keys.person("alice"), {"decision": "approve"})
    assert (own.status_code, own.json()["error"]) == (403, "self_approval")
    approved = await post(http, approvals, api_keys.person("bob"), {"decision": "approve"})
    assert approved.status_code == 200, approved.text
    await closed_as(http, ticket_id, "resolved")
    refunds = await asyncio.to_thread(stripe_billing.list_refunds, order.charge_id)
    assert [r.amount_cents for r in refunds] == [18_000]
