"""People decide as themselves (issue 7 #2 and #3), on the real workflow over the real API: the
approver is the authenticated person, one person counts once however many credentials they
hold, and a requester asserted on someone's behalf cannot approve their own case."""

from __future__ import annotations

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from integrations.crm_store import CrmStore
from integrations.stripe_billing import StripeBilling
from tests.api.conftest import (
    APPROVAL_AMOUNT,
    SeedOrder,
    api,
    case_worker,
    new_ticket_id,
    order_ticket,
    seed_order,
    stripe_billing,
    stripe_sandbox,
)
from tests.api.test_tickets import poll_state
from tests.api_keys import CallerKeys
from tests.security.oidc_issuer import LocalIssuer, local_issuer, oidc_settings
from worker.settings import Settings
from workflows.case.contract import case_workflow_id
from workflows.refund.contract import RefundStatus

__all__ = ["api", "case_worker", "local_issuer", "seed_order", "stripe_billing", "stripe_sandbox"]

# Above 500.00 the shipped policy needs two different approvers of alice, carol and dave.
DUAL_AMOUNT = 60_000


@pytest.fixture
def settings(task_queue: str, database_url: str, local_issuer: LocalIssuer) -> Settings:
    """The API fixture's settings with OIDC on, so people can also come with a token."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        SUPPORTFLOW_TASK_QUEUE=task_queue,
        DATABASE_URL=database_url,
        TEMPORAL_UI_URL="http://ui.test:8233",
        **oidc_settings(local_issuer),
    )


async def waiting(
    api: httpx.AsyncClient, body: dict[str, object], headers: dict[str, str] | None = None
) -> tuple[str, RefundStatus]:
    ticket_id = str(body["ticket_id"])
    filed = await api.post("/tickets", json=body, headers=headers or {})
    assert filed.status_code == 202, filed.text
    view = await poll_state(api, ticket_id, "awaiting_approval")
    return ticket_id, RefundStatus.model_validate(view["status"])


async def status_of(api: httpx.AsyncClient, ticket_id: str) -> RefundStatus:
    return RefundStatus.model_validate((await api.get(f"/tickets/{ticket_id}")).json()["status"])


async def approve(
    api: httpx.AsyncClient, ticket_id: str, headers: dict[str, str], **body: object
) -> httpx.Response:
    return await api.post(
        f"/tickets/{ticket_id}/approvals", json={"decision": "approve", **body}, headers=headers
    )


async def test_one_person_cannot_give_both_approvals_of_a_dual_case(
    api: httpx.AsyncClient,
    api_keys: CallerKeys,
    dev_server_env: WorkflowEnvironment,
    case_worker: Worker,
    seed_order: SeedOrder,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    local_issuer: LocalIssuer,
) -> None:
    order = seed_order(DUAL_AMOUNT)
    ticket_id, status = await waiting(api, order_ticket(order))
    assert status.pending_approval is not None
    assert status.pending_approval.required_approvals == 2

    first = await approve(api, ticket_id, api_keys.person("alice"))
    assert first.status_code == 200, first.text
    assert first.json()["approver"] == "alice" and first.json()["status"] == "pending"

    # The same key again is the same decision (Temporal dedupes it): still one approval.
    again = await approve(api, ticket_id, api_keys.person("alice"))
    assert again.status_code == 200 and again.json() == first.json()
    # A second key of hers, or her OIDC token, is still alice: the case answers with her first
    # decision (the Update id is built from the canonical approver) and counts nothing new.
    laptop = crm_store.create_api_key("alice-laptop", "person", person_id="ALICE").key
    token = {"Authorization": f"Bearer {local_issuer.token('Alice')}"}
    for other_credential in (CallerKeys.bearer(laptop), token):
        repeat = await approve(api, ticket_id, other_credential)
        assert repeat.status_code == 200, repeat.text
        assert repeat.json() == first.json()
        assert repeat.json()["approvals_received"] == 1
    # Her key cannot speak for carol either: the body has no approver to name.
    as_carol = await approve(api, ticket_id, api_keys.person("alice"), approver="carol")
    assert as_carol.status_code == 422

    current = await status_of(api, ticket_id)
    assert current.state == "awaiting_approval"
    assert current.pending_approval is not None
    assert current.pending_approval.approved_by == ["alice"]

    carol = await approve(
        api, ticket_id, {"Authorization": f"Bearer {local_issuer.token('carol')}"}
    )
    assert carol.status_code == 200, carol.text
    assert carol.json()["status"] == "approved" and carol.json()["approver"] == "carol"

    outcome = await dev_server_env.client.get_workflow_handle(case_workflow_id(ticket_id)).result()
    assert outcome["state"] == "resolved"
    assert [r.amount_cents for r in stripe_billing.list_refunds(order.charge_id)] == [DUAL_AMOUNT]
    ticket = crm_store.get_ticket(ticket_id)
    assert ticket is not None
    assert [sorted(a.approved_by) for a in ticket.approvals] == [["alice", "carol"]]
    decided = [(e.actor, e.detail) for e in ticket.audit if e.action == "api_approval_decided"]
    assert [actor for actor, _ in decided] == ["alice"] * 4 + ["carol"]
    assert "key alice" in decided[0][1] and "oidc" in decided[-1][1]


async def test_requester_asserted_on_behalf_cannot_approve_in_any_spelling(
    api: httpx.AsyncClient,
    api_keys: CallerKeys,
    dev_server_env: WorkflowEnvironment,
    case_worker: Worker,
    seed_order: SeedOrder,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
) -> None:
    order = seed_order(APPROVAL_AMOUNT)
    body = order_ticket(order, new_ticket_id(), requested_by=" Alice ")
    ticket_id, status = await waiting(api, body, api_keys.bearer(api_keys.on_behalf))
    assert status.pending_approval is not None
    assert status.pending_approval.requested_by == "alice"  # canonical at intake

    refused = await approve(api, ticket_id, api_keys.person("alice"))
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "self_approval"
    assert (await status_of(api, ticket_id)).state == "awaiting_approval"

    bob = await approve(api, ticket_id, api_keys.person("bob"))
    assert bob.status_code == 200, bob.text
    await dev_server_env.client.get_workflow_handle(case_workflow_id(ticket_id)).result()
    assert len(stripe_billing.list_refunds(order.charge_id)) == 1
    ticket = crm_store.get_ticket(ticket_id)
    assert ticket is not None
    filed = [e for e in ticket.audit if e.action == "api_ticket_filed"]
    assert [e.actor for e in filed] == ["system:agent-desk"]
    assert "requested by alice" in filed[0].detail


async def test_a_helpdesk_filed_case_names_the_system_as_requester(
    api: httpx.AsyncClient, api_keys: CallerKeys, case_worker: Worker, seed_order: SeedOrder
) -> None:
    """Without an on-behalf claim the requester is the calling system, never a person, so no
    approver is blocked and nobody is impersonated."""
    _, status = await waiting(api, order_ticket(seed_order(APPROVAL_AMOUNT)))
    assert status.pending_approval is not None
    assert status.pending_approval.requested_by == "system:helpdesk"
