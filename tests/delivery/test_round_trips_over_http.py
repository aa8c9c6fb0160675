"""Round trips over real HTTP: a Zendesk ticket in through the signed webhook, its answer out
as a public comment with the Zendesk ticket solved; and a calling system that registered its
callback over the API hears its ticket start, its reply and its resolution, signed.

The real API on a loopback socket, the production worker (rules triage, the demo help center,
delivery on), the outbox dispatcher the worker runs, the dev server, the Stripe sandbox, the
fake Zendesk and a receiver written with the `standardwebhooks` package.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment

from activities.delivery import DeliveryActivities
from integrations.crm_store import CrmStore
from integrations.stripe_billing import StripeBilling
from integrations.zendesk_webhooks import signature
from tests.api_keys import CallerKeys
from tests.delivery.receiver import CallbackReceiver
from tests.delivery.zendesk_fake import FakeZendesk
from tests.e2e.triage_stack import seed_customer, triage_settings, triage_worker_deps
from tests.loopback_api import serve_api
from tests.stripe_fixtures import stripe_billing, stripe_sandbox
from worker.api import create_app
from worker.delivery_dispatch import dispatch_outbox
from worker.settings import Settings
from worker.worker_app import build_worker

__all__ = ["stripe_billing", "stripe_sandbox"]
pytestmark = pytest.mark.slow

WEBHOOK_SECRET = "zendesk-webhook-signing-secret"
QUESTION = "How long does a refund take to show up on my credit card?"
DEADLINE_SECONDS = 60.0


@pytest.fixture
def settings(task_queue: str, tmp_path: Path, database_url: str) -> Settings:
    base = Settings(
        _env_file=None,  # type: ignore[call-arg]
        SUPPORTFLOW_TASK_QUEUE=task_queue,
        DATABASE_URL=database_url,
        SUPPORTFLOW_DELIVERY=True,
        ZENDESK_WEBHOOK_SECRET=SecretStr(WEBHOOK_SECRET),
    )
    return triage_settings(base, tmp_path)


@pytest_asyncio.fixture
async def http(
    dev_server_env: WorkflowEnvironment,
    settings: Settings,
    task_queue: str,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    delivery: DeliveryActivities,
    api_keys: CallerKeys,
) -> AsyncIterator[httpx.AsyncClient]:
    client = dev_server_env.client
    deps = triage_worker_deps(crm_store, stripe_billing, settings)
    deps.delivery = delivery
    worker = build_worker(client, settings, deps=deps, task_queue=task_queue)
    app = create_app(settings, temporal_client=client, store=crm_store)
    dispatcher = asyncio.create_task(
        dispatch_outbox(client, crm_store, task_queue, poll_seconds=0.2)
    )
    try:
        async with (
            worker,
            serve_api(app) as base_url,
            httpx.AsyncClient(base_url=base_url, timeout=30) as http_client,
        ):
            yield http_client
    finally:
        dispatcher.cancel()


async def until(done: Callable[[], bool], what: str) -> None:
    give_up = time.monotonic() + DEADLINE_SECONDS
    while not done():
        if time.monotonic() > give_up:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.1)


def signed(
    body: bytes, secret: str = WEBHOOK_SECRET, age: timedelta = timedelta(0)
) -> dict[str, str]:
    timestamp = (datetime.now(UTC) - age).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "content-type": "application/json",
        "X-Zendesk-Webhook-Signature": signature(secret, timestamp, body),
        "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
    }


async def test_a_zendesk_ticket_comes_in_and_its_answer_goes_back_as_a_public_comment(
    http: httpx.AsyncClient, crm_store: CrmStore, zendesk: FakeZendesk
) -> None:
    customer_id = seed_customer(crm_store)
    email = f"{customer_id}@example.com"
    zendesk_ticket = zendesk.add_ticket(4242)
    body = json.dumps(
        {
            "zendesk_ticket_id": "4242",
            "subject": "Refund timing",
            "description": QUESTION,
            "requester_email": email,
        }
    ).encode()

    forged = await http.post("/webhooks/zendesk", content=body, headers=signed(body, "wrong"))
    assert forged.status_code == 401 and forged.json()["error"] == "bad_signature"
    stale = await http.post(
        "/webhooks/zendesk", content=body, headers=signed(body, age=timedelta(hours=2))
    )
    assert stale.status_code == 401 and stale.json()["error"] == "stale_webhook"
    assert crm_store.get_ticket("zd-4242") is None

    started = await http.post("/webhooks/zendesk", content=body, headers=signed(body))
    assert started.status_code == 202, started.text
    assert started.json()["ticket_id"] == "zd-4242"
    again = await http.post("/webhooks/zendesk", content=body, headers=signed(body))
    assert again.status_code == 200 and again.json()["existing"] is True

    await until(lambda: zendesk_ticket.status == "solved", "the Zendesk ticket to be solved")
    [comment] = zendesk_ticket.comments
    assert comment["public"] is True and "business days" in comment["body"]
    assert "supportflow_resolved" in zendesk_ticket.tags
    ticket = crm_store.get_ticket("zd-4242")
    assert ticket is not None and ticket.customer_id == customer_id
    [reply] = ticket.outbox
    assert reply.status == "sent" and reply.provider_message_id == str(comment["audit_id"])


async def test_a_system_that_registered_its_callback_hears_its_ticket_signed(
    http: httpx.AsyncClient,
    crm_store: CrmStore,
    receiver: CallbackReceiver,
    api_keys: CallerKeys,
) -> None:
    headers = api_keys.system_headers
    refused = await http.put("/callback", json={"url": "http://example.com/hook"}, headers=headers)
    assert refused.status_code == 422  # plain http only on loopback
    person = await http.put(
        "/callback", json={"url": receiver.url}, headers=api_keys.person("alice")
    )
    assert person.status_code == 403
    registered = await http.put("/callback", json={"url": receiver.url}, headers=headers)
    assert registered.status_code == 200, registered.text
    receiver.secret = registered.json()["secret"]
    assert receiver.secret and receiver.secret.startswith("whsec_")
    shown = await http.get("/callback", headers=headers)
    assert shown.json() == {"system": "helpdesk", "url": receiver.url, "secret": None}
    await receiver.start()

    customer_id = seed_customer(crm_store)
    filed = await http.post(
        "/tickets",
        headers=headers,
        json={
            "ticket_id": "T-callback",
            "customer_id": customer_id,
            "subject": "Help",
            "body": QUESTION,
        },
    )
    assert filed.status_code == 202, filed.text
    await until(lambda: len(receiver.processed) >= 3, "three callbacks")
    kinds = [r.payload["type"] for r in receiver.processed]
    assert kinds == ["case.started", "case.reply", "case.resolved"]
    reply = receiver.processed[1].payload["data"]
    assert reply["ticket_id"] == "T-callback" and "business days" in reply["reply"]["body"]
    assert receiver.forged == 0
