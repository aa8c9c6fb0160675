"""Chargebacks end to end: the extras server signs and delivers Stripe's dispute events to the
real API over loopback HTTP, which starts and signals ChargebackWorkflow on the dev server; the
production worker answers the dispute in the sandbox. Forged, stale, duplicated and out-of-order
events, and a Temporal that is down, are answered as Stripe needs."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
import stripe
from temporalio.testing import WorkflowEnvironment

from activities.chat import ChatActivities
from activities.disputes import DisputeActivities
from activities.policy import PolicyActivities
from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import StripeBilling
from integrations.stripe_disputes import StripeDisputes
from tests.api_keys import CallerKeys
from tests.loopback_api import serve_api
from tests.stripe_fixtures import SANDBOX_API_KEY
from tests.workflows.case_factory import seed_case
from worker.api import create_app
from worker.local_stack.stripe_extras.helpers import extras_call, open_dispute
from worker.local_stack.stripe_extras.webhooks import sign
from worker.settings import Settings
from worker.worker_app import WorkerDeps, build_worker
from workflows.chargeback.contract import (
    ChargebackStatus,
    chargeback_ticket_id,
    chargeback_workflow_id,
)

pytestmark = pytest.mark.slow

SECRET = "whsec_test_chargebacks"


@pytest.fixture
def webhook_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"stripe_webhook_secret": stripe_secret()})


def stripe_secret() -> Any:
    from pydantic import SecretStr

    return SecretStr(SECRET)


@pytest_asyncio.fixture
async def api_url(
    dev_server_env: WorkflowEnvironment,
    webhook_settings: Settings,
    task_queue: str,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    stripe_sandbox: str,
) -> AsyncIterator[str]:
    deps = WorkerDeps(
        store=crm_store,
        billing=stripe_billing,
        chat=ChatActivities(None, api_url="http://api.test", temporal_ui_url="http://ui.test"),
        policy=PolicyActivities(),
        disputes=DisputeActivities(StripeDisputes(SANDBOX_API_KEY, stripe_sandbox), crm_store),
    )
    app = create_app(webhook_settings, temporal_client=dev_server_env.client, store=crm_store)
    async with (
        build_worker(dev_server_env.client, webhook_settings, deps=deps, task_queue=task_queue),
        serve_api(app) as base_url,
    ):
        yield base_url


def signed(event: dict[str, Any], *, secret: str = SECRET, at: int | None = None) -> dict[str, Any]:
    payload = json.dumps(event)
    header = sign(secret, payload, int(time.time()) if at is None else at)
    return {
        "content": payload,
        "headers": {"Stripe-Signature": header, "Content-Type": "application/json"},
    }


def events_of(stripe_url: str, dispute_id: str) -> list[dict[str, Any]]:
    listed = stripe.StripeClient(
        SANDBOX_API_KEY, base_addresses={"api": stripe_url}
    ).v1.events.list(params={"type": "charge.dispute.*", "limit": 100})
    return [e.to_dict() for e in listed.data if e.data.object["id"] == dispute_id]


async def status_when(env: WorkflowEnvironment, dispute_id: str, state: str) -> ChargebackStatus:
    handle = env.client.get_workflow_handle(chargeback_workflow_id(dispute_id))
    last = None
    for _ in range(600):
        try:
            last = await handle.query("status", result_type=ChargebackStatus)
            if last.state == state:
                return last
        except Exception:  # not started yet
            pass
        await asyncio.sleep(0.05)
    raise AssertionError(f"{dispute_id} never reached {state}: {last}")


async def test_signed_deliveries_drive_the_case_to_its_close(
    api_url: str,
    api_keys: CallerKeys,
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    stripe_sandbox: str,
) -> None:
    endpoint = extras_call(
        stripe_sandbox,
        "/_extras/webhook_endpoints",
        {"url": f"{api_url}/webhooks/stripe", "secret": SECRET},
    )
    try:
        case = seed_case(crm_store, stripe_billing, amount_cents=6_000)
        dispute_id = open_dispute(stripe_sandbox, case.charge_id, reason="product_unacceptable")[
            "id"
        ]
        status = await status_when(dev_server_env, dispute_id, "awaiting_approval")
        assert status.pending_approval is not None
        handle = dev_server_env.client.get_workflow_handle(chargeback_workflow_id(dispute_id))
        # The reviewer reads and decides over the same API as refunds, on the case's ticket id.
        async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
            shown = await http.get(
                f"/tickets/{chargeback_ticket_id(dispute_id)}", headers=api_keys.person("alice")
            )
            assert shown.status_code == 200, shown.text
            view = shown.json()
            assert view["source"] == "workflow" and view["workflow_id"] == handle.id, view
            assert view["status"]["kind"] == "chargeback", view["status"]
            assert view["status"]["pending_approval"]["request_id"] == (
                status.pending_approval.request_id
            )
            approved = await http.post(
                f"/tickets/{chargeback_ticket_id(dispute_id)}/approvals",
                headers=api_keys.person("alice"),
                json={"decision": "approve"},
            )
        assert approved.status_code == 200, approved.text
        assert approved.json()["request_id"] == status.pending_approval.request_id
        await status_when(dev_server_env, dispute_id, "in_process")
        disputes = StripeDisputes(SANDBOX_API_KEY, stripe_sandbox)
        for _ in range(200):
            if disputes.get_dispute(dispute_id).submission_count:
                break
            await asyncio.sleep(0.05)
        extras_call(stripe_sandbox, f"/_extras/disputes/{dispute_id}/settle", {"status": "won"})
        outcome = await handle.result()
    finally:
        stripe.StripeClient(
            SANDBOX_API_KEY, base_addresses={"api": stripe_sandbox}
        ).v1.webhook_endpoints.delete(endpoint["id"])

    assert (
        outcome["dispute_status"] == "won"
        if isinstance(outcome, dict)
        else outcome.dispute_status == "won"
    )
    assert disputes.get_dispute(dispute_id).submission_count == 1
    delivered = [
        d
        for d in extras_call(stripe_sandbox, "/_extras/deliveries")["deliveries"]
        if d["event"] in {e["id"] for e in events_of(stripe_sandbox, dispute_id)}
    ]
    assert delivered and all(d["status"] == 200 for d in delivered)
    ticket = crm_store.get_ticket(chargeback_ticket_id(dispute_id))
    assert ticket is not None and ticket.status == "resolved"


async def test_forged_stale_duplicated_and_out_of_order_events(
    api_url: str,
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    stripe_sandbox: str,
) -> None:
    case = seed_case(crm_store, stripe_billing, amount_cents=3_000)
    dispute_id = open_dispute(stripe_sandbox, case.charge_id, reason="general")["id"]
    # Accepted in the Dashboard before any delivery arrived: the events then come late and in
    # reverse order, the `closed` one first.
    StripeDisputes(SANDBOX_API_KEY, stripe_sandbox).accept(dispute_id, "dashboard")
    by_type = {e["type"]: e for e in events_of(stripe_sandbox, dispute_id)}
    created, closed = by_type["charge.dispute.created"], by_type["charge.dispute.closed"]
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        forged = await http.post("/webhooks/stripe", **signed(created, secret="whsec_forged"))
        stale = await http.post("/webhooks/stripe", **signed(created, at=int(time.time()) - 600))
        unsigned = await http.post("/webhooks/stripe", content=json.dumps(created))
        assert [r.status_code for r in (forged, stale, unsigned)] == [400, 400, 400]
        assert forged.json()["error"] == "bad_webhook"

        first = await http.post("/webhooks/stripe", **signed(closed))
        again = await http.post("/webhooks/stripe", **signed(closed))
        late = await http.post("/webhooks/stripe", **signed(created))
    assert first.status_code == again.status_code == late.status_code == 200
    assert again.json()["duplicate"] is True
    handle = dev_server_env.client.get_workflow_handle(chargeback_workflow_id(dispute_id))
    outcome = await handle.result()
    assert outcome["dispute_status"] == "lost"
    assert outcome["action"] is None  # nothing left to answer: no second acceptance
    runs = [
        w
        async for w in dev_server_env.client.list_workflows(
            f"WorkflowId = '{chargeback_workflow_id(dispute_id)}'"
        )
    ]
    assert len(runs) == 1
    assert [
        (r.refund_id, r.status) for r in crm_store.list_refunds(chargeback_ticket_id(dispute_id))
    ] == [(dispute_id, "chargeback_lost")]


async def test_no_2xx_for_an_event_not_handed_over(
    settings: Settings, crm_store: CrmStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = {"id": "evt_down", "object": "event", "type": "charge.dispute.created", "created": 1,
             "data": {"object": {"id": "dp_down", "object": "dispute", "status": "needs_response"}}}  # fmt: skip
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")  # nothing listens there
    down = create_app(
        settings.model_copy(update={"stripe_webhook_secret": stripe_secret()}), store=crm_store
    )
    unconfigured = create_app(settings, store=crm_store)
    for app, error in [(down, "temporal_unavailable"), (unconfigured, "webhooks_not_configured")]:
        async with serve_api(app) as base_url, httpx.AsyncClient(base_url=base_url) as http:
            first = await http.post("/webhooks/stripe", **signed(event))
            retried = await http.post("/webhooks/stripe", **signed(event))
        assert (first.status_code, retried.status_code) == (503, 503), first.text
        assert first.json()["error"] == error
