"""Filing and reading tickets over HTTP: real dev server, real worker, real CRM and Stripe sandbox."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from integrations.crm_records import CustomerReply
from integrations.crm_store import CrmStore
from tests.api.conftest import (
    APPROVAL_AMOUNT,
    AUTO_AMOUNT,
    SeedOrder,
    new_ticket_id,
    order_ticket,
    ticket_body,
)
from tests.api_keys import CallerKeys
from workflows import search_attributes as sa
from workflows.case.contract import case_workflow_id
from workflows.refund.contract import RefundStatus


async def count_cases(env: WorkflowEnvironment, ticket_id: str) -> int:
    # Visibility is eventually consistent: give it a moment before counting.
    query = f"WorkflowId = '{case_workflow_id(ticket_id)}'"
    for _ in range(50):
        count = (await env.client.count_workflows(query)).count
        if count:
            return count
        await asyncio.sleep(0.1)
    return 0


async def poll_state(api: httpx.AsyncClient, ticket_id: str, *states: str) -> dict[str, object]:
    view: dict[str, object] = {}
    for _ in range(200):
        view = (await api.get(f"/tickets/{ticket_id}")).json()
        if view.get("state") in states:
            return view
        await asyncio.sleep(0.05)
    raise AssertionError(f"ticket {ticket_id} never reached {states}: {view}")


async def test_post_starts_one_case_with_ui_metadata(
    api: httpx.AsyncClient,
    dev_server_env: WorkflowEnvironment,
    case_worker: Worker,
    seed_order: SeedOrder,
) -> None:
    order = seed_order(AUTO_AMOUNT)
    ticket_id = new_ticket_id()
    response = await api.post("/tickets", json=order_ticket(order, ticket_id))
    assert response.status_code == 202, response.text
    started = response.json()
    assert started["workflow_id"] == case_workflow_id(ticket_id)
    assert started["existing"] is False and started["run_id"]
    assert started["temporal_ui_url"] == (
        f"http://ui.test:8233/namespaces/default/workflows/{case_workflow_id(ticket_id)}"
    )

    handle = dev_server_env.client.get_workflow_handle(started["workflow_id"])
    description = await handle.describe()
    assert description.run_id == started["run_id"]
    assert description.workflow_type == "RefundWorkflow"
    attributes = description.typed_search_attributes
    assert attributes.get(sa.TICKET_ID) == ticket_id
    assert attributes.get(sa.CUSTOMER_ID) == order.customer_id
    assert attributes.get(sa.PROCESS) == "refund"
    summary = await description.static_summary()
    assert summary == f"Refund · ticket {ticket_id} · customer {order.customer_id}"
    details = await description.static_details()
    assert details is not None and order.customer_id in details and order.order_id in details


async def test_same_ticket_twice_returns_the_running_case(
    api: httpx.AsyncClient,
    dev_server_env: WorkflowEnvironment,
    case_worker: Worker,
    seed_order: SeedOrder,
) -> None:
    ticket_id = new_ticket_id()
    body = order_ticket(seed_order(APPROVAL_AMOUNT), ticket_id)  # waits for approval
    first = await api.post("/tickets", json=body)
    second = await api.post("/tickets", json=body)
    assert first.status_code == 202 and second.status_code == 200, second.text
    assert second.json()["existing"] is True
    assert second.json()["run_id"] == first.json()["run_id"]
    assert await count_cases(dev_server_env, ticket_id) == 1


async def test_same_ticket_after_close_returns_the_closed_case(
    api: httpx.AsyncClient,
    dev_server_env: WorkflowEnvironment,
    case_worker: Worker,
    seed_order: SeedOrder,
    stripe_billing: object,
) -> None:
    order = seed_order(AUTO_AMOUNT)
    ticket_id = new_ticket_id()
    first = await api.post("/tickets", json=order_ticket(order, ticket_id))
    handle = dev_server_env.client.get_workflow_handle(first.json()["workflow_id"])
    assert (await handle.result())["state"] == "resolved"

    again = await api.post("/tickets", json=order_ticket(order, ticket_id))
    assert again.status_code == 200, again.text
    assert again.json()["existing"] is True
    assert again.json()["run_id"] == first.json()["run_id"]
    assert await count_cases(dev_server_env, ticket_id) == 1
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
    # The system of record agrees: the re-post refunded nothing more.
    refunds = stripe_billing.list_refunds(order.charge_id)  # type: ignore[attr-defined]
    assert [r.amount_cents for r in refunds] == [AUTO_AMOUNT]


async def test_concurrent_posts_start_one_case(
    api: httpx.AsyncClient,
    dev_server_env: WorkflowEnvironment,
    case_worker: Worker,
    seed_order: SeedOrder,
) -> None:
    ticket_id = new_ticket_id()
    body = order_ticket(seed_order(APPROVAL_AMOUNT), ticket_id)
    responses = await asyncio.gather(*(api.post("/tickets", json=body) for _ in range(5)))
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 202]
    assert len({r.json()["run_id"] for r in responses}) == 1
    assert await count_cases(dev_server_env, ticket_id) == 1


async def test_get_running_case_answers_from_the_workflow(
    api: httpx.AsyncClient, case_worker: Worker, seed_order: SeedOrder
) -> None:
    ticket_id = new_ticket_id()
    await api.post("/tickets", json=order_ticket(seed_order(APPROVAL_AMOUNT), ticket_id))
    view = await poll_state(api, ticket_id, "awaiting_approval")
    assert view["source"] == "workflow"
    assert view["workflow_status"] == "RUNNING"
    status = RefundStatus.model_validate(view["status"])
    assert status.pending_approval is not None
    assert status.pending_approval.amount_cents == APPROVAL_AMOUNT
    assert status.decision_rule == "single_approval_required"


async def test_running_case_shows_its_outbox_with_delivery_state(
    api: httpx.AsyncClient, case_worker: Worker, seed_order: SeedOrder, crm_store: CrmStore
) -> None:
    """A reply that could not be delivered is visible on the ticket while the case still runs:
    the workflow does not know how delivery went, so the view reads the CRM's outbox."""
    ticket_id = new_ticket_id()
    await api.post("/tickets", json=order_ticket(seed_order(APPROVAL_AMOUNT), ticket_id))
    view = await poll_state(api, ticket_id, "awaiting_approval")
    assert view["source"] == "workflow"
    assert view["outbox"] == []

    reply = CustomerReply(subject="We are looking at it", body="An approver is reviewing.")
    assert crm_store.queue_customer_message(ticket_id, reply, f"{ticket_id}:ack")
    crm_store.plan_deliveries(ticket_id, helpdesks=frozenset())  # no channel: failed at once

    view = (await api.get(f"/tickets/{ticket_id}")).json()
    assert view["source"] == "workflow" and view["state"] == "awaiting_approval"
    [message] = view["outbox"]
    assert message["subject"] == "We are looking at it"
    assert message["status"] == "failed"
    assert message["last_error"].startswith("no delivery channel")
    assert message["failed_at"] is not None


async def test_get_closed_case_answers_from_the_database(
    api: httpx.AsyncClient,
    dev_server_env: WorkflowEnvironment,
    case_worker: Worker,
    seed_order: SeedOrder,
    crm_store: CrmStore,
) -> None:
    ticket_id = new_ticket_id()
    first = await api.post("/tickets", json=order_ticket(seed_order(AUTO_AMOUNT), ticket_id))
    await dev_server_env.client.get_workflow_handle(first.json()["workflow_id"]).result()

    response = await api.get(f"/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["source"] == "database"
    assert view["workflow_status"] == "COMPLETED"
    assert view["state"] == "resolved"
    record = view["record"]
    assert record["id"] == ticket_id and record["status"] == "resolved"
    assert [r["amount_cents"] for r in record["refunds"]] == [AUTO_AMOUNT]
    assert record["audit"] and record["outbox"]
    ticket = crm_store.get_ticket(ticket_id)
    assert ticket is not None and ticket.resolution == record["resolution"]


async def test_unknown_customer_escalates_instead_of_crashing(
    api: httpx.AsyncClient, dev_server_env: WorkflowEnvironment, case_worker: Worker
) -> None:
    ticket_id = new_ticket_id()
    body = ticket_body(ticket_id, customer_id="cus_nobody", order_id="ord_nothing")
    response = await api.post("/tickets", json=body)
    assert response.status_code == 202
    outcome = await dev_server_env.client.get_workflow_handle(case_workflow_id(ticket_id)).result()
    assert outcome["state"] == "escalated"
    view = (await api.get(f"/tickets/{ticket_id}")).json()
    assert view["state"] == "escalated"


async def test_get_unknown_ticket_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get(f"/tickets/{new_ticket_id()}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


async def test_get_running_case_without_worker_uses_search_attributes(
    api: httpx.AsyncClient, dev_server_env: WorkflowEnvironment
) -> None:
    """No worker polls this test's task queue, so the query cannot be answered."""
    ticket_id = new_ticket_id()
    started = await api.post("/tickets", json=ticket_body(ticket_id))
    assert started.status_code == 202
    response = await api.get(f"/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["source"] == "search_attributes"
    assert view["state"] == "received"
    assert view["workflow_status"] == "RUNNING"
    await dev_server_env.client.get_workflow_handle(started.json()["workflow_id"]).terminate()


async def test_healthz_reports_both_dependencies(api: httpx.AsyncClient) -> None:
    response = await api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "temporal": "ok",
        "database": "ok",
        "problems": [],
    }


@pytest.mark.parametrize("path", ["/tickets", "/healthz"])
async def test_temporal_down_is_503_json(
    monkeypatch: pytest.MonkeyPatch,
    settings: object,
    crm_store: CrmStore,
    api_keys: CallerKeys,
    path: str,
) -> None:
    from worker.api import create_app

    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:9")  # nothing listens on discard
    app = create_app(settings, store=crm_store)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://api.test", headers=api_keys.system_headers
    ) as client:
        if path == "/tickets":
            response = await client.post(path, json=ticket_body(new_ticket_id()))
        else:
            response = await client.get(path)
    assert response.status_code == 503
    payload = response.json()
    # What failed, as a stable code; the address and the SDK's error stay in the log.
    if path == "/tickets":
        assert payload["error"] == "temporal_unavailable"
    else:
        assert payload["temporal"] == "unavailable"
        assert [p["error"] for p in payload["problems"]] == ["temporal_unavailable"]
    assert "127.0.0.1:9" not in response.text
    assert "Traceback" not in response.text
