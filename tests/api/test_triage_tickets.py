"""Tickets without a process (TicketWorkflow) and customer replies over HTTP: how they start,
what the API refuses, and that a refusal is always a 4xx with a stable code, never a 5xx.

The routes themselves (answer, refund child, clarification, escalation) run end to end in
tests/e2e/test_triage_over_http.py; these tests need no ticket worker, only the dev server.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.api.conftest import (
    APPROVAL_AMOUNT,
    SeedOrder,
    new_ticket_id,
    order_ticket,
    ticket_body,
)
from worker.api_errors import MAX_BODY_BYTES
from workflows import search_attributes as sa
from workflows.case.contract import case_workflow_id


def triage_body(ticket_id: str, **overrides: object) -> dict[str, object]:
    body = ticket_body(ticket_id, **overrides)
    if "process" not in overrides:
        del body["process"]
    return body


def _fields(response: httpx.Response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


async def _terminate(env: WorkflowEnvironment, ticket_id: str) -> None:
    await env.client.get_workflow_handle(case_workflow_id(ticket_id)).terminate("test done")


@pytest.mark.parametrize("process", [None, "absent", "triage"])
async def test_ticket_without_process_starts_ticket_workflow(
    api: httpx.AsyncClient, dev_server_env: WorkflowEnvironment, process: str | None
) -> None:
    """No worker polls this test's queue: what is checked is how the case was started."""
    ticket_id = new_ticket_id()
    body = (
        triage_body(ticket_id, process=process) if process != "absent" else triage_body(ticket_id)
    )
    response = await api.post("/tickets", json=body)
    assert response.status_code == 202, response.text
    started = response.json()
    assert (started["workflow_id"], started["process"]) == (case_workflow_id(ticket_id), "ticket")

    description = await dev_server_env.client.get_workflow_handle(started["workflow_id"]).describe()
    assert description.workflow_type == "TicketWorkflow"
    attributes = description.typed_search_attributes
    assert attributes.get(sa.TICKET_ID) == ticket_id
    assert attributes.get(sa.CUSTOMER_ID) == "cus_ada"
    assert attributes.get(sa.PROCESS) == "ticket"
    assert attributes.get(sa.CASE_STATE) == "received"
    assert await description.static_summary() == f"Triage · ticket {ticket_id} · customer cus_ada"
    details = await description.static_details()
    assert details is not None and "triage chooses the route" in details
    assert "Requested amount" not in details

    again = await api.post("/tickets", json=body)
    assert again.status_code == 200 and again.json()["run_id"] == started["run_id"]
    view = (await api.get(f"/tickets/{ticket_id}")).json()
    assert (view["source"], view["state"]) == ("search_attributes", "received")
    assert view["record"] == {"process": "ticket"}
    await _terminate(dev_server_env, ticket_id)


async def test_amount_without_refund_process_is_refused(
    api: httpx.AsyncClient, dev_server_env: WorkflowEnvironment
) -> None:
    ticket_id = new_ticket_id()
    response = await api.post("/tickets", json=triage_body(ticket_id, requested_amount_cents=900))
    assert response.status_code == 422, response.text
    message = _fields(response)["requested_amount_cents"]
    assert "only a refund ticket" in message and "comes from the order" in message
    count = await dev_server_env.client.count_workflows(
        f"WorkflowId = '{case_workflow_id(ticket_id)}'"
    )
    assert count.count == 0


# -- replies -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({}, "text", "Field required"),
        ({"text": ""}, "text", "at least 1 character"),
        ({"text": "   \n\t"}, "text", "the reply is blank"),
        ({"text": "x" * 20_001}, "text", "at most 20000"),
        ({"text": 42}, "text", "valid string"),
        ({"text": "hi", "channel": "c" * 33}, "channel", "at most 32"),
        ({"text": "hi", "channel": ""}, "channel", "at least 1 character"),
        ({"text": "hi", "reply_id": "has space"}, "reply_id", "pattern"),
        ({"text": "hi", "amount_cents": 500}, "amount_cents", "not permitted"),
    ],
    ids=[
        "missing",
        "empty",
        "blank",
        "too-long",
        "number",
        "long-channel",
        "empty-channel",
        "bad-reply-id",
        "extra",
    ],
)
async def test_bad_reply_is_422(
    api: httpx.AsyncClient, body: dict[str, object], field: str, fragment: str
) -> None:
    response = await api.post("/tickets/T-1/replies", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request"
    assert fragment in _fields(response)[field]


async def test_reply_malformed_oversized_or_bad_path_is_4xx(api: httpx.AsyncClient) -> None:
    garbage = await api.post(
        "/tickets/T-1/replies", content=b'{"text": ', headers={"content-type": "application/json"}
    )
    assert garbage.status_code == 422 and "not valid JSON" in _fields(garbage)["body"]
    huge = await api.post("/tickets/T-1/replies", json={"text": "x" * (MAX_BODY_BYTES + 1)})
    assert huge.status_code == 413 and huge.json()["error"] == "payload_too_large"
    bad_id = await api.post("/tickets/bad%20id/replies", json={"text": "hi"})
    assert bad_id.status_code == 422 and "ticket_id" in _fields(bad_id)


async def test_reply_to_unknown_ticket_is_404(api: httpx.AsyncClient) -> None:
    response = await api.post(f"/tickets/{new_ticket_id()}/replies", json={"text": "It's #5001"})
    assert response.status_code == 404, response.text
    assert response.json()["error"] == "not_found"


async def test_reply_to_a_refund_case_is_409(
    api: httpx.AsyncClient,
    dev_server_env: WorkflowEnvironment,
    case_worker: Worker,
    seed_order: SeedOrder,
) -> None:
    """A refund filed directly never waits for the customer: it has no reply handler."""
    ticket_id = new_ticket_id()
    body = order_ticket(seed_order(APPROVAL_AMOUNT), ticket_id)  # waits for an approver
    assert (await api.post("/tickets", json=body)).status_code == 202
    response = await api.post(f"/tickets/{ticket_id}/replies", json={"text": "hello?"})
    assert response.status_code == 409, response.text
    payload = response.json()
    assert payload["error"] == "not_awaiting_reply"
    assert "RefundWorkflow" in payload["message"]
    await _terminate(dev_server_env, ticket_id)


async def test_reply_without_a_worker_is_503(
    api: httpx.AsyncClient, dev_server_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A running ticket nobody serves: the Update times out and nothing is delivered."""
    monkeypatch.setattr("worker.customer_replies.UPDATE_RPC_TIMEOUT", timedelta(seconds=1))
    ticket_id = new_ticket_id()
    assert (await api.post("/tickets", json=triage_body(ticket_id))).status_code == 202
    response = await api.post(f"/tickets/{ticket_id}/replies", json={"text": "It's #5001"})
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "case_unavailable"
    await _terminate(dev_server_env, ticket_id)


async def test_unknown_process_is_422(api: httpx.AsyncClient) -> None:
    body = {**triage_body(new_ticket_id()), "process": "warranty"}
    response = await api.post("/tickets", json=body)
    assert response.status_code == 422
    message = _fields(response)["process"]
    assert "no process 'warranty' takes tickets" in message and "'refund', 'triage'" in message
