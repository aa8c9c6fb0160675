"""`POST /webhooks/shopify` on the real app: signatures, staleness, duplicates, and a staff refund
made in Shopify closing the open case instead of a second refund."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from integrations.crm_store.store import CrmStore
from integrations.shopify_webhooks import signature
from tests.commerce.case_harness import MAYA, ShopifyCases, shopify_cases
from tests.commerce.shopify_fake import FakeShopify
from tests.triage.fake_openai import free_port
from tests.workflows.conftest import wait_for_state
from worker.api import create_app
from worker.settings import Settings

__all__ = ["shopify_cases"]

SECRET = "shopify-app-secret"
PATH = "/webhooks/shopify"


def settings(**extra: str) -> Settings:
    return Settings(_env_file=None, SHOPIFY_WEBHOOK_SECRET=SECRET, **extra)  # type: ignore[call-arg]


def refund_payload(order_id: str, refund_id: str, cents: int, note: str = "") -> dict[str, Any]:
    number = order_id.rsplit("/", 1)[-1]
    return {
        "id": int(refund_id.rsplit("/", 1)[-1]),
        "admin_graphql_api_id": refund_id,
        "order_id": int(number),
        "created_at": datetime.now(UTC).isoformat(),
        "note": note,
        "restock": False,
        "transactions": [
            {
                "kind": "refund",
                "status": "success",
                "amount": f"{cents / 100:.2f}",
                "currency": "USD",
            }
        ],
    }


def delivery(
    payload: dict[str, Any],
    topic: str = "refunds/create",
    *,
    webhook_id: str | None = None,
    secret: str = SECRET,
    triggered_at: datetime | None = None,
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": signature(secret, body),
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Triggered-At": (triggered_at or datetime.now(UTC)).isoformat(),
        "X-Shopify-Shop-Domain": "supportflow-test.myshopify.com",
    }


@pytest_asyncio.fixture
async def webhook_app(
    time_skipping_env: WorkflowEnvironment, crm_store: CrmStore
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings(), temporal_client=time_skipping_env.client, store=crm_store)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api.test"
    ) as client:
        yield client


def open_refund_case(store: CrmStore, ticket_id: str, order_id: str) -> None:
    """A refund case's ticket on the order, as the running case records it."""
    store.add_customer(MAYA)
    store.upsert_ticket(
        ticket_id=ticket_id,
        customer_id=MAYA.id,
        process="refund",
        workflow_id=f"ticket-{ticket_id}",
        order_id=order_id,
    )


async def post(client: httpx.AsyncClient, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return await client.post(PATH, content=body, headers=headers)


async def test_staff_refund_closes_the_case_awaiting_approval_without_a_second_refund(
    time_skipping_env: WorkflowEnvironment,
    shopify_cases: ShopifyCases,
    webhook_app: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    crm_store: CrmStore,
) -> None:
    request = await shopify_cases.order(18_000, "T-shop-webhook")
    handle = await shopify_cases.start(request)
    await wait_for_state(handle, "awaiting_approval")
    assert request.order_id is not None
    staff = fake_shopify.shop.add_staff_refund(request.order_id, 18_000, note="returned in store")
    body, headers = delivery(refund_payload(request.order_id, staff.refund_id, 18_000))

    first = await post(webhook_app, body, headers)
    again = await post(webhook_app, body, headers)
    # Another API process (or this one restarted) has no memory of it: the note's dedupe key
    # tells it, and the case ignores a refund id it already has.
    other_app = create_app(settings(), temporal_client=time_skipping_env.client, store=crm_store)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=other_app), base_url="http://api.test"
    ) as other:
        elsewhere = await post(other, body, headers)
    outcome = await handle.result()

    assert (first.status_code, first.json()["status"]) == (200, "staff_refund_signalled")
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert (elsewhere.status_code, elsewhere.json()["status"]) == (200, "duplicate")
    assert (outcome.state, outcome.refund_id) == ("resolved", staff.refund_id)
    assert fake_shopify.shop.refund_creates == 0
    assert [r.refund_id for r in fake_shopify.shop.refunds(request.order_id)] == [staff.refund_id]
    ticket = await asyncio.to_thread(crm_store.get_ticket, request.ticket_id)
    assert ticket is not None and ticket.status == "resolved"
    assert [(r.refund_id, r.amount_cents) for r in ticket.refunds] == [(staff.refund_id, 18_000)]
    assert [n.body for n in ticket.notes if staff.refund_id in n.body] == [
        f"Shopify refund {staff.refund_id}: 18000 usd"
    ]
    assert sum(e.action == "staff_refund_recorded" for e in ticket.audit) == 1
    await shopify_cases.keep(handle, "shopify_staff_refunded")


async def test_our_own_refund_echoed_back_changes_nothing(
    webhook_app: httpx.AsyncClient, crm_store: CrmStore
) -> None:
    payload = refund_payload(
        "gid://shopify/Order/77", "gid://shopify/Refund/5", 1_000, "x [supportflow-key:t:refund]"
    )
    response = await post(webhook_app, *delivery(payload))
    assert (response.status_code, response.json()["status"]) == (200, "own_refund")


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (
            lambda h: h.update({"X-Shopify-Hmac-Sha256": signature("not-the-secret", b"{}")}),
            "bad_signature",
        ),
        (lambda h: h.pop("X-Shopify-Hmac-Sha256"), "bad_signature"),
        (lambda h: h.update({"X-Shopify-Hmac-Sha256": "%%%not-base64"}), "bad_signature"),
        (
            lambda h: h.update(
                {"X-Shopify-Triggered-At": (datetime.now(UTC) - timedelta(days=3)).isoformat()}
            ),
            "stale_webhook",
        ),
    ],
    ids=["forged", "unsigned", "garbage", "stale"],
)
async def test_forged_unsigned_and_stale_deliveries_are_401(
    webhook_app: httpx.AsyncClient, mutate: Any, error: str
) -> None:
    body, headers = delivery(refund_payload("gid://shopify/Order/1", "gid://shopify/Refund/2", 500))
    mutate(headers)
    response = await post(webhook_app, body, headers)
    assert (response.status_code, response.json()["error"]) == (401, error)


async def test_a_tampered_body_is_401(webhook_app: httpx.AsyncClient) -> None:
    body, headers = delivery(refund_payload("gid://shopify/Order/1", "gid://shopify/Refund/2", 500))
    tampered = body.replace(b"5.00", b"500.00")
    response = await post(webhook_app, tampered, headers)
    assert response.status_code == 401


async def test_a_signed_body_that_is_not_a_refund_is_400(webhook_app: httpx.AsyncClient) -> None:
    body, headers = delivery({"unexpected": True})
    response = await post(webhook_app, body, headers)
    assert (response.status_code, response.json()["error"]) == (400, "bad_payload")


async def test_order_cancelled_is_noted_on_the_open_case(
    webhook_app: httpx.AsyncClient, crm_store: CrmStore
) -> None:
    open_refund_case(crm_store, "T-cancel", "gid://shopify/Order/4242")
    payload = {
        "id": 4242,
        "admin_graphql_api_id": "gid://shopify/Order/4242",
        "cancel_reason": "customer",
    }
    response = await post(webhook_app, *delivery(payload, "orders/cancelled"))

    assert (response.status_code, response.json()["status"]) == (200, "order_cancelled_noted")
    ticket = crm_store.get_ticket("T-cancel")
    assert ticket is not None and any("cancelled in Shopify" in n.body for n in ticket.notes)


async def test_temporal_down_is_503_so_shopify_delivers_again(
    crm_store: CrmStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(tmp_path / "none.toml"))
    open_refund_case(crm_store, "T-down", "gid://shopify/Order/5151")
    app: FastAPI = create_app(settings(), store=crm_store)
    body, headers = delivery(
        refund_payload("gid://shopify/Order/5151", "gid://shopify/Refund/9", 700)
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api.test"
    ) as client:
        down = await post(client, body, headers)
    assert (down.status_code, down.json()["error"]) == (503, "temporal_unavailable")
    # Not remembered as handled: the redelivery must reach the case once Temporal is back.
    ticket = crm_store.get_ticket("T-down")
    assert ticket is not None and ticket.notes == []


async def test_unconfigured_webhooks_are_404(crm_store: CrmStore) -> None:
    app = create_app(Settings(_env_file=None), store=crm_store)  # type: ignore[call-arg]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api.test"
    ) as client:
        response = await post(client, *delivery({"id": 1}))
    assert response.status_code == 404
