"""Approvals over HTTP on the real workflow: its validator decides, the API names the refusal,
the CRM audit log records every refused attempt, and money moves exactly once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from integrations.crm_store import CrmStore
from integrations.stripe_billing import StripeBilling
from tests.api.conftest import (
    APPROVAL_AMOUNT,
    AUTO_AMOUNT,
    SeededOrder,
    SeedOrder,
    new_ticket_id,
    order_ticket,
)
from tests.api.test_tickets import poll_state
from tests.api_keys import CallerKeys
from worker import approvals
from workflows.case.contract import case_workflow_id
from workflows.refund.contract import RefundStatus


async def waiting_case(
    api: httpx.AsyncClient,
    seed_order: SeedOrder,
    on_behalf: tuple[CallerKeys, str] | None = None,
    amount_cents: int = APPROVAL_AMOUNT,
) -> tuple[str, SeededOrder, RefundStatus]:
    """A case waiting for approval, filed by the helpdesk system or, with `on_behalf`, by a
    system allowed to name the agent it files for."""
    order = seed_order(amount_cents)
    ticket_id = new_ticket_id()
    if on_behalf is None:
        response = await api.post("/tickets", json=order_ticket(order, ticket_id))
    else:
        keys, agent = on_behalf
        body = order_ticket(order, ticket_id, requested_by=agent)
        response = await api.post("/tickets", json=body, headers=keys.bearer(keys.on_behalf))
    assert response.status_code == 202, response.text
    view = await poll_state(api, ticket_id, "awaiting_approval")
    return ticket_id, order, RefundStatus.model_validate(view["status"])


def refusal_codes(crm_store: CrmStore, ticket_id: str) -> list[str]:
    ticket = crm_store.get_ticket(ticket_id)
    assert ticket is not None
    return [e.detail.split(":")[0] for e in ticket.audit if e.action == "approval_refused"]


async def decide(
    api: httpx.AsyncClient, keys: CallerKeys, ticket_id: str, person: str, **body: object
) -> httpx.Response:
    """A decision by `person`, authenticated with their own key (the body names no approver)."""
    return await api.post(f"/tickets/{ticket_id}/approvals", json=body, headers=keys.person(person))


async def test_approve_over_http_refunds_exactly_once(
    api: httpx.AsyncClient,
    api_keys: CallerKeys,
    dev_server_env: WorkflowEnvironment,
    case_worker: Worker,
    seed_order: SeedOrder,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
) -> None:
    ticket_id, order, status = await waiting_case(api, seed_order)
    response = await decide(api, api_keys, ticket_id, "alice", decision="approve", reason="ok")
    assert response.status_code == 200, response.text
    receipt = response.json()
    assert status.pending_approval is not None
    assert receipt["request_id"] == status.pending_approval.request_id  # filled in for us
    assert receipt["ticket_id"] == ticket_id and receipt["status"] == "approved"

    outcome = await dev_server_env.client.get_workflow_handle(case_workflow_id(ticket_id)).result()
    assert outcome["state"] == "resolved"
    refunds = stripe_billing.list_refunds(order.charge_id)
    assert [r.amount_cents for r in refunds] == [APPROVAL_AMOUNT]
    ticket = crm_store.get_ticket(ticket_id)
    assert ticket is not None and ticket.status == "resolved"
    assert ticket.audit and ticket.approvals[0].decisions[0].approver == "alice"

    late = await decide(api, api_keys, ticket_id, "bob", decision="approve")
    assert late.status_code == 409
    assert late.json()["error"] == "case_closed"
    assert "case_closed" in refusal_codes(crm_store, ticket_id)
    assert len(stripe_billing.list_refunds(order.charge_id)) == 1


async def test_reject_over_http_moves_no_money(
    api: httpx.AsyncClient,
    api_keys: CallerKeys,
    dev_server_env: WorkflowEnvironment,
    case_worker: Worker,
    seed_order: SeedOrder,
    stripe_billing: StripeBilling,
) -> None:
    ticket_id, order, _ = await waiting_case(api, seed_order)
    response = await decide(
        api, api_keys, ticket_id, "bob", decision="reject", reason="Outside our warranty."
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "rejected"
    outcome = await dev_server_env.client.get_workflow_handle(case_workflow_id(ticket_id)).result()
    assert outcome["state"] == "rejected"
    assert stripe_billing.list_refunds(order.charge_id) == []


async def test_repeating_the_same_decision_returns_the_first_receipt(
    api: httpx.AsyncClient, api_keys: CallerKeys, case_worker: Worker, seed_order: SeedOrder
) -> None:
    """A retried HTTP call (same approver, request, decision) is not a second decision."""
    ticket_id, _, status = await waiting_case(api, seed_order)
    assert status.pending_approval is not None
    body = {
        "decision": "reject",
        "reason": "duplicate ticket",
        "request_id": status.pending_approval.request_id,
    }
    first = await decide(api, api_keys, ticket_id, "carol", **body)
    second = await decide(api, api_keys, ticket_id, "carol", **body)
    assert first.status_code == 200, first.text
    assert second.status_code == 200, second.text
    assert first.json() == second.json()
    changed_mind = await decide(
        api, api_keys, ticket_id, "carol", **{**body, "decision": "approve", "reason": None}
    )
    assert changed_mind.status_code == 409
    assert changed_mind.json()["error"] in ("already_decided", "case_closed")


@pytest.mark.parametrize(
    ("person", "body", "status_code", "code"),
    [
        ("mallory", {"decision": "approve"}, 403, "not_an_approver"),
        ("alice", {"decision": "approve"}, 403, "self_approval"),
        (
            "bob",
            {"decision": "approve", "request_id": "not-the-current-one"},
            409,
            "stale_request",
        ),
        ("bob", {"decision": "approve", "amount_cents": 1}, 409, "stale_request"),
    ],
)
async def test_refusals_map_to_403_or_409_and_are_audited(
    api: httpx.AsyncClient,
    case_worker: Worker,
    seed_order: SeedOrder,
    crm_store: CrmStore,
    api_keys: CallerKeys,
    person: str,
    body: dict[str, object],
    status_code: int,
    code: str,
) -> None:
    # The agent desk files the ticket for alice, so she may not approve it.
    ticket_id, _, before = await waiting_case(api, seed_order, on_behalf=(api_keys, "alice"))
    response = await decide(api, api_keys, ticket_id, person, **body)
    assert response.status_code == status_code, response.text
    assert response.json()["error"] == code
    assert response.json()["message"]
    assert refusal_codes(crm_store, ticket_id) == [code]
    # Nothing changed: the case still waits on the same request, with no approvals counted.
    view = (await api.get(f"/tickets/{ticket_id}")).json()
    after = RefundStatus.model_validate(view["status"])
    assert after.state == "awaiting_approval"
    assert after.pending_approval == before.pending_approval


async def test_racing_approvers_one_wins(
    api: httpx.AsyncClient,
    api_keys: CallerKeys,
    dev_server_env: WorkflowEnvironment,
    case_worker: Worker,
    seed_order: SeedOrder,
    stripe_billing: StripeBilling,
) -> None:
    ticket_id, order, status = await waiting_case(api, seed_order)
    assert status.pending_approval is not None
    request_id = status.pending_approval.request_id
    results = await asyncio.gather(
        decide(api, api_keys, ticket_id, "alice", decision="approve", request_id=request_id),
        decide(api, api_keys, ticket_id, "bob", decision="approve", request_id=request_id),
    )
    assert sorted(r.status_code for r in results) == [200, 409], [r.text for r in results]
    refused = next(r for r in results if r.status_code == 409).json()
    assert refused["error"] in ("already_decided", "case_closed")
    await dev_server_env.client.get_workflow_handle(case_workflow_id(ticket_id)).result()
    assert len(stripe_billing.list_refunds(order.charge_id)) == 1


async def test_nothing_to_decide(
    api: httpx.AsyncClient,
    api_keys: CallerKeys,
    dev_server_env: WorkflowEnvironment,
    case_worker: Worker,
    seed_order: SeedOrder,
) -> None:
    unknown = await decide(api, api_keys, "T-never-filed", "alice", decision="approve")
    assert unknown.status_code == 409
    assert unknown.json()["error"] == "no_pending_approval"

    ticket_id = new_ticket_id()
    await api.post("/tickets", json=order_ticket(seed_order(AUTO_AMOUNT), ticket_id))
    await dev_server_env.client.get_workflow_handle(case_workflow_id(ticket_id)).result()
    closed = await decide(api, api_keys, ticket_id, "alice", decision="approve")
    assert closed.status_code == 409
    assert closed.json()["error"] == "case_closed"


async def test_worker_down_is_503_not_a_hang(
    api: httpx.AsyncClient,
    api_keys: CallerKeys,
    dev_server_env: WorkflowEnvironment,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No worker polls this test's queue: the API answers 503 instead of waiting forever."""
    monkeypatch.setattr(approvals, "UPDATE_RPC_TIMEOUT", timedelta(seconds=2))
    ticket_id = new_ticket_id()
    started = await api.post(
        "/tickets", json=order_ticket(SeededOrder("c", "o", "ch", 1), ticket_id)
    )
    assert started.status_code == 202
    response = await decide(
        api, api_keys, ticket_id, "alice", decision="approve", request_id="req-1"
    )
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "case_unavailable"
    await dev_server_env.client.get_workflow_handle(case_workflow_id(ticket_id)).terminate()
