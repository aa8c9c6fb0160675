"""Billing complaints end to end over HTTP: `POST /tickets` with the customer's words only,
rules triage, BillingDisputeWorkflow as the ticket's child, and exactly one refund in the Stripe
sandbox (or none before an approver decides over the API).

The real API on a loopback socket, the production worker, the dev server and the sandbox; what
is asserted is in the systems of record: refunds on the charges, the CRM record and its reply.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from activities.models import OrderLineInfo
from integrations.crm_store import CrmStore, CustomerView
from integrations.stripe_billing import StripeBilling
from tests.api_keys import CallerKeys
from tests.e2e.test_triage_over_http import (
    case_worker,
    closed_as,
    file,
    poll,
    settings,
    ticket_id_for,
)
from tests.e2e.triage_stack import replay_and_keep
from worker.local_stack.billing_customers import add_billing_customer, add_paid_order
from workflows.case.contract import case_workflow_id, process_workflow_id

# The triage tests' worker (rules triage, demo help center) and settings.
__all__ = ["case_worker", "settings"]

pytestmark = pytest.mark.slow


def customer_charged(
    store: CrmStore, billing: StripeBilling, total_cents: int, charged_cents: list[int]
) -> tuple[str, list[str]]:
    suffix = uuid.uuid4().hex[:10]
    customer = add_billing_customer(
        store,
        billing.client,
        CustomerView(
            id=f"cus_{suffix}", name="Robin Vale", email=f"{suffix}@example.com", tier="standard"
        ),
    )
    charges = add_paid_order(
        store,
        billing.client,
        customer,
        order_id=f"ord_{suffix}",
        line=OrderLineInfo(
            sku="LAMP-1", title="Desk lamp", quantity=1, unit_price_cents=total_cents
        ),
        placed_at=datetime.now(UTC) - timedelta(days=1),
        charged_cents=charged_cents,
    )
    return customer.customer_id, charges


async def refunds_on(billing: StripeBilling, charges: list[str]) -> list[list[int]]:
    listed = await asyncio.gather(*(asyncio.to_thread(billing.list_refunds, c) for c in charges))
    return [[r.amount_cents for r in refunds] for refunds in listed]


async def test_charged_twice_is_refunded_once_through_triage(
    http: httpx.AsyncClient,
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
) -> None:
    customer_id, charges = customer_charged(crm_store, stripe_billing, 2_500, [2_500, 2_500])
    ticket_id = ticket_id_for("charged-twice")
    text = "I was charged twice for my desk lamp this morning, two identical payments."
    await file(http, ticket_id, customer_id, text)

    closed = await closed_as(http, ticket_id, "resolved")
    # One of the two identical charges (same second: the rules order them by id), once.
    assert sorted(await refunds_on(stripe_billing, charges)) == [[], [2_500]]
    assert [r["amount_cents"] for r in closed["record"]["refunds"]] == [2_500]
    child_id = process_workflow_id(case_workflow_id(ticket_id), "billing_dispute")
    child = dev_server_env.client.get_workflow_handle(child_id)
    assert (await child.describe()).workflow_type == "BillingDisputeWorkflow"

    # The same ticket filed again is the same case: still one refund.
    again = await http.post(
        "/tickets", json={"ticket_id": ticket_id, "customer_id": customer_id, "body": text}
    )
    assert again.status_code == 200 and again.json()["existing"] is True
    assert sorted(await refunds_on(stripe_billing, charges)) == [[], [2_500]]
    await replay_and_keep(
        dev_server_env.client,
        [child_id, case_workflow_id(ticket_id)],
        "billing_dispute_routed_from_ticket",
    )


async def test_over_charge_waits_for_an_approver_over_the_api(
    http: httpx.AsyncClient,
    api_keys: CallerKeys,
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
) -> None:
    customer_id, charges = customer_charged(crm_store, stripe_billing, 10_000, [40_000])
    ticket_id = ticket_id_for("overcharged")
    await file(http, ticket_id, customer_id, "You charged me the wrong amount for my lamp.")

    view = await poll(
        http,
        ticket_id,
        lambda v: (v.get("process_status") or {}).get("state") == "awaiting_approval",
        "reached the billing dispute's approval",
    )
    shown = view["process_status"]
    assert [(f["kind"], f["excess_cents"]) for f in shown["findings"]] == [
        ("above_order_total", 30_000)
    ]
    assert shown["pending_approval"]["amount_cents"] == 30_000 and shown["adjustments"] == []
    for _ in range(600):
        if await asyncio.to_thread(crm_store.pending_approval_for_ticket, ticket_id):
            break
        await asyncio.sleep(0.1)
    pending = await asyncio.to_thread(crm_store.pending_approval_for_ticket, ticket_id)
    assert pending is not None and pending.amount_cents == 30_000
    assert await refunds_on(stripe_billing, charges) == [[]]

    refused = await http.post(
        f"/tickets/{ticket_id}/approvals",
        json={"decision": "approve"},
        headers=api_keys.system_headers,
    )
    assert refused.status_code == 403, refused.text
    decided = await http.post(
        f"/tickets/{ticket_id}/approvals",
        json={"decision": "approve", "reason": "order total is 100.00"},
        headers=api_keys.person("alice"),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    await closed_as(http, ticket_id, "resolved")
    assert await refunds_on(stripe_billing, charges) == [[30_000]]
    await poll(http, ticket_id, lambda v: v["state"] == "resolved", "stayed resolved")


async def test_a_helpdesk_may_file_a_complaint_as_a_billing_dispute(
    http: httpx.AsyncClient, crm_store: CrmStore, stripe_billing: StripeBilling
) -> None:
    customer_id, charges = customer_charged(crm_store, stripe_billing, 6_000, [6_000])
    ticket_id = ticket_id_for("named")
    ticket = {"ticket_id": ticket_id, "customer_id": customer_id, "body": "Is this right?"}
    refused = await http.post(
        "/tickets", json={**ticket, "process": "billing_dispute", "requested_amount_cents": 500}
    )
    assert refused.status_code == 422, refused.text
    assert "requested_amount_cents" in refused.text and "Traceback" not in refused.text

    filed = await http.post("/tickets", json={**ticket, "process": "billing_dispute"})
    assert filed.status_code == 202, filed.text
    closed = await closed_as(http, ticket_id, "resolved")
    assert closed["record"]["process"] == "billing_dispute"
    assert closed["record"]["refunds"] == [] and await refunds_on(stripe_billing, charges) == [[]]
    [reply] = closed["record"]["outbox"]
    assert charges[0] in reply["body"] and "60.00 USD" in reply["body"]
