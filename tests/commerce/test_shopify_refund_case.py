"""A refund ticket for a Shopify order, end to end on a real worker and the fake Shopify.

The order lives in Shopify, so the case reads what it still allows from Shopify and refunds it
there, exactly once, under the same policy, approvals and records as a Stripe-paid order. The
worker's Stripe client points at a closed port: any call to Stripe would fail the case.
"""

from __future__ import annotations

import asyncio

import httpx
from temporalio.testing import WorkflowEnvironment

from integrations.crm_store.store import CrmStore
from integrations.shopify_orders import ShopifyRefund
from tests.api_keys import CallerKeys
from tests.commerce.case_harness import ShopifyCases, shopify_cases
from tests.commerce.shopify_fake import FakeShopify
from tests.workflows.conftest import wait_for_state
from worker.api import create_app
from worker.settings import Settings
from workflows.case.contract import ApprovalDecision
from workflows.refund.contract import RefundRequest

__all__ = ["shopify_cases"]


def assert_one_refund(
    fake: FakeShopify, crm_store: CrmStore, request: RefundRequest, cents: int
) -> ShopifyRefund:
    assert request.order_id is not None
    refunds = fake.shop.refunds(request.order_id)
    assert [r.amount_cents for r in refunds] == [cents]
    assert f"[supportflow-key:ticket-{request.ticket_id}:refund]" in refunds[0].note
    ticket = crm_store.get_ticket(request.ticket_id)
    assert ticket is not None and ticket.status == "resolved"
    assert [(r.refund_id, r.amount_cents) for r in ticket.refunds] == [
        (refunds[0].refund_id, cents)
    ]
    return refunds[0]


async def test_auto_approved_refund_happens_in_shopify_once(
    shopify_cases: ShopifyCases, fake_shopify: FakeShopify, crm_store: CrmStore
) -> None:
    request = await shopify_cases.order(3_400, "T-shop-auto")
    handle = await shopify_cases.start(request)

    outcome = await handle.result()

    assert (outcome.state, outcome.amount_cents) == ("resolved", 3_400)
    refund = await asyncio.to_thread(assert_one_refund, fake_shopify, crm_store, request, 3_400)
    assert outcome.refund_id == refund.refund_id and refund.notify
    await shopify_cases.keep(handle, "shopify_auto_approved")


async def test_refund_above_the_limit_waits_for_approval_then_refunds_in_shopify(
    shopify_cases: ShopifyCases, fake_shopify: FakeShopify, crm_store: CrmStore
) -> None:
    request = await shopify_cases.order(18_000, "T-shop-approval")
    handle = await shopify_cases.start(request)
    pending = (await wait_for_state(handle, "awaiting_approval")).pending_approval
    assert pending is not None
    assert fake_shopify.shop.refunds(request.order_id or "") == []

    await handle.execute_update(
        "decide_approval",
        ApprovalDecision(
            request_id=pending.request_id,
            approver="alice",
            decision="approve",
            amount_cents=18_000,
        ),
    )
    outcome = await handle.result()

    assert (outcome.state, outcome.amount_cents) == ("resolved", 18_000)
    await asyncio.to_thread(assert_one_refund, fake_shopify, crm_store, request, 18_000)
    await shopify_cases.keep(handle, "shopify_approved")


async def test_throttled_refund_is_retried_after_the_wait_and_made_once(
    shopify_cases: ShopifyCases, fake_shopify: FakeShopify, crm_store: CrmStore
) -> None:
    request = await shopify_cases.order(2_000, "T-shop-throttled")
    fake_shopify.throttle(times=2, operation="SupportRefund")
    fake_shopify.fail(503, times=1)

    outcome = await (await shopify_cases.start(request)).result()

    assert outcome.state == "resolved"
    await asyncio.to_thread(assert_one_refund, fake_shopify, crm_store, request, 2_000)
    assert fake_shopify.shop.refund_creates == 1


async def test_an_order_staff_already_refunded_in_full_is_not_refunded_again(
    shopify_cases: ShopifyCases, fake_shopify: FakeShopify, crm_store: CrmStore
) -> None:
    request = await shopify_cases.order(2_000, "T-shop-staff")
    fake_shopify.shop.add_staff_refund(request.order_id or "", 2_000, note="refunded at the till")

    outcome = await (await shopify_cases.start(request)).result()

    assert outcome.state != "resolved" and outcome.refund_id is None
    assert fake_shopify.shop.refund_creates == 0
    assert len(fake_shopify.shop.refunds(request.order_id or "")) == 1


async def test_refunds_already_made_in_shopify_count_toward_the_approval_limit(
    shopify_cases: ShopifyCases, fake_shopify: FakeShopify
) -> None:
    """A refund split over two tickets needs the approval the whole would: the second case reads
    the first refund from the order in Shopify (up to 50.00 is refunded without a human)."""
    first = await shopify_cases.order(9_000, "T-shop-split-1")
    first = first.model_copy(update={"requested_amount_cents": 4_000})
    # Polled, not awaited: waiting on a result lets the shared time-skipping server jump ahead,
    # and the second case's refund window is measured on its clock.
    await wait_for_state(await shopify_cases.start(first), "resolved")

    second = first.model_copy(update={"ticket_id": "T-shop-split-2"})
    handle = await shopify_cases.start(second)
    status = await wait_for_state(handle, "awaiting_approval")

    assert status.pending_approval is not None, status
    assert status.decision_reason is not None and "80.00" in status.decision_reason
    assert [r.amount_cents for r in fake_shopify.shop.refunds(first.order_id or "")] == [4_000]


async def test_a_ticket_filed_over_the_api_for_a_shopify_order_is_refunded_once(
    shopify_cases: ShopifyCases,
    fake_shopify: FakeShopify,
    crm_store: CrmStore,
    api_keys: CallerKeys,
    time_skipping_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    request = await shopify_cases.order(2_500, "T-shop-api")
    settings = Settings(_env_file=None, SUPPORTFLOW_TASK_QUEUE=task_queue)  # type: ignore[call-arg]
    app = create_app(settings, temporal_client=time_skipping_env.client, store=crm_store)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api.test"
    ) as api:
        filed = await api.post(
            "/tickets",
            headers=api_keys.system_headers,
            json={
                "ticket_id": request.ticket_id,
                "process": "refund",
                "customer_id": request.customer_id,
                "order_id": request.order_id,
                "subject": "Boots fell apart",
                "body": "Please refund my order.",
            },
        )
        assert filed.status_code == 202, filed.text
        handle = time_skipping_env.client.get_workflow_handle(filed.json()["workflow_id"])
        shopify_cases.handles.append(handle)
        await handle.result()
        shown = await api.get(f"/tickets/{request.ticket_id}", headers=api_keys.system_headers)

    refund = await asyncio.to_thread(assert_one_refund, fake_shopify, crm_store, request, 2_500)
    assert shown.status_code == 200 and refund.refund_id in shown.text
