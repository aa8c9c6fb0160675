"""Approvals over HTTP: the workflow's validator decides, the API names the refusal, the CRM
audit log records every refused attempt."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from integrations.crm_store import CrmStore, CustomerView
from tests.api.conftest import AUTH, ticket_body
from worker import approvals
from workflows.models import CaseStatus, case_workflow_id


@pytest.fixture
def customer(crm_store: CrmStore) -> str:
    crm_store.add_customer(
        CustomerView(id="cus_ada", name="Ada", email="ada@example.com", tier="standard")
    )
    return "cus_ada"


async def _waiting_case(
    api: httpx.AsyncClient, crm_store: CrmStore, customer: str, requested_by: str = "customer"
) -> tuple[str, CaseStatus]:
    """A case waiting for approval, with its CRM ticket row so refusals can be audited."""
    ticket_id = f"T-{uuid.uuid4().hex[:10]}"
    body = ticket_body(ticket_id, requested_amount_cents=9000, requested_by=requested_by)
    assert (await api.post("/tickets", json=body)).status_code == 202
    crm_store.upsert_ticket(
        ticket_id=ticket_id,
        customer_id=customer,
        process="refund",
        workflow_id=case_workflow_id(ticket_id),
    )
    for _ in range(100):
        view = (await api.get(f"/tickets/{ticket_id}")).json()
        if view.get("state") == "awaiting_approval":
            return ticket_id, CaseStatus.model_validate(view["status"])
        await asyncio.sleep(0.05)
    raise AssertionError(f"{ticket_id} never waited for approval")


def _refusals(crm_store: CrmStore, ticket_id: str) -> list[str]:
    ticket = crm_store.get_ticket(ticket_id)
    assert ticket is not None
    return [e.detail for e in ticket.audit if e.action == "approval_refused"]


async def _decide(api: httpx.AsyncClient, ticket_id: str, **body: object) -> httpx.Response:
    return await api.post(f"/tickets/{ticket_id}/approvals", json=body, headers=AUTH)


async def test_approve_without_request_id_uses_the_pending_one(
    api: httpx.AsyncClient,
    dev_server_env: WorkflowEnvironment,
    case_worker: Worker,
    crm_store: CrmStore,
    customer: str,
) -> None:
    ticket_id, status = await _waiting_case(api, crm_store, customer)
    response = await _decide(api, ticket_id, approver="alice", decision="approve", reason="ok")
    assert response.status_code == 200, response.text
    receipt = response.json()
    assert receipt["ticket_id"] == ticket_id
    assert status.pending_approval is not None
    assert receipt["request_id"] == status.pending_approval.request_id
    assert receipt["status"] == "approved"
    outcome = await dev_server_env.client.get_workflow_handle(case_workflow_id(ticket_id)).result()
    assert outcome["state"] == "resolved"

    closed = await _decide(api, ticket_id, approver="bob", decision="approve")
    assert closed.status_code == 409
    assert closed.json()["error"] == "case_closed"
    assert any(d.startswith("case_closed") for d in _refusals(crm_store, ticket_id))


async def test_repeating_the_same_decision_returns_the_first_receipt(
    api: httpx.AsyncClient, case_worker: Worker, crm_store: CrmStore, customer: str
) -> None:
    ticket_id, status = await _waiting_case(api, crm_store, customer)
    assert status.pending_approval is not None
    request_id = status.pending_approval.request_id
    body = {"approver": "alice", "decision": "reject", "reason": "no", "request_id": request_id}
    first, second = await _decide(api, ticket_id, **body), await _decide(api, ticket_id, **body)
    assert first.status_code == second.status_code == 200, second.text
    assert first.json() == second.json()
    changed_mind = await _decide(api, ticket_id, **{**body, "decision": "approve"})
    assert changed_mind.status_code in (409,)
    assert changed_mind.json()["error"] in ("already_decided", "case_closed")


@pytest.mark.parametrize(
    ("body", "status_code", "code"),
    [
        ({"approver": "mallory", "decision": "approve"}, 403, "not_an_approver"),
        ({"approver": "alice", "decision": "approve"}, 403, "self_approval"),
        (
            {"approver": "bob", "decision": "approve", "request_id": "not-the-current-one"},
            409,
            "stale_request",
        ),
        ({"approver": "bob", "decision": "approve", "amount_cents": 1}, 409, "stale_request"),
    ],
)
async def test_refusals_map_to_403_or_409_and_are_audited(
    api: httpx.AsyncClient,
    case_worker: Worker,
    crm_store: CrmStore,
    customer: str,
    body: dict[str, object],
    status_code: int,
    code: str,
) -> None:
    # alice files the ticket herself, so she may not approve it.
    ticket_id, _ = await _waiting_case(api, crm_store, customer, requested_by="alice")
    response = await _decide(api, ticket_id, **body)
    assert response.status_code == status_code, response.text
    assert response.json()["error"] == code
    assert response.json()["message"]
    assert [r.split(":")[0] for r in _refusals(crm_store, ticket_id)] == [code]
    # Nothing changed: the case still waits for the same request.
    view = (await api.get(f"/tickets/{ticket_id}")).json()
    assert view["state"] == "awaiting_approval"


async def test_second_decision_is_already_decided(
    api: httpx.AsyncClient,
    dev_server_env: WorkflowEnvironment,
    case_worker: Worker,
    crm_store: CrmStore,
    customer: str,
) -> None:
    """A second approver racing the first on a still-open case is refused by the validator."""
    ticket_id, status = await _waiting_case(api, crm_store, customer)
    assert status.pending_approval is not None
    request_id = status.pending_approval.request_id
    results = await asyncio.gather(
        _decide(api, ticket_id, approver="alice", decision="approve", request_id=request_id),
        _decide(api, ticket_id, approver="bob", decision="approve", request_id=request_id),
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409], [r.text for r in results]
    refused = next(r for r in results if r.status_code == 409).json()
    assert refused["error"] in ("already_decided", "case_closed")


async def test_no_pending_approval(
    api: httpx.AsyncClient,
    dev_server_env: WorkflowEnvironment,
    case_worker: Worker,
    crm_store: CrmStore,
    customer: str,
) -> None:
    unknown = await _decide(api, "T-never-filed", approver="alice", decision="approve")
    assert unknown.status_code == 409
    assert unknown.json()["error"] == "no_pending_approval"

    # A case that resolved without approval: closed, so nothing to decide.
    ticket_id = f"T-{uuid.uuid4().hex[:10]}"
    await api.post("/tickets", json=ticket_body(ticket_id, requested_amount_cents=100))
    await dev_server_env.client.get_workflow_handle(case_workflow_id(ticket_id)).result()
    closed = await _decide(api, ticket_id, approver="alice", decision="approve")
    assert closed.status_code == 409
    assert closed.json()["error"] == "case_closed"


async def test_worker_down_is_503_not_a_hang(
    api: httpx.AsyncClient,
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No worker polls this test's queue: the API answers 503 instead of waiting forever."""
    monkeypatch.setattr(approvals, "UPDATE_RPC_TIMEOUT", timedelta(seconds=2))
    ticket_id = f"T-{uuid.uuid4().hex[:10]}"
    await api.post("/tickets", json=ticket_body(ticket_id))
    response = await _decide(
        api, ticket_id, approver="alice", decision="approve", request_id="req-1"
    )
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "case_unavailable"
    await dev_server_env.client.get_workflow_handle(case_workflow_id(ticket_id)).terminate()
