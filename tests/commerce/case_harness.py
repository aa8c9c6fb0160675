"""A real worker on the time-skipping server, wired to the CRM store and the fake Shopify, for
refund cases on Shopify orders. Its Stripe client points at a closed port: any call to Stripe
would fail the case."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from activities.chat import ChatActivities
from activities.policy import PolicyActivities
from integrations.commerce import OrdersByShop, SqlCommerce
from integrations.crm_store.store import CrmStore
from integrations.crm_store.views import CustomerView
from integrations.shopify_admin import ShopifyAdmin
from integrations.shopify_orders import ShopifyCommerce
from integrations.shopify_refunds import ShopifyRefunds
from integrations.stripe_billing import StripeBilling
from tests.commerce.shopify_fake import FakeShopify
from tests.workflows.conftest import CaseRunner
from worker.settings import Settings
from worker.worker_app import WorkerDeps, build_worker
from workflows.refund.contract import RefundRequest

# Nothing listens here: the case must never reach Stripe for a Shopify order.
NO_STRIPE = "http://127.0.0.1:9"
MAYA = CustomerView(id="cus_maya", name="Maya Patel", email="maya@example.com", tier="standard")


class ShopifyCases(CaseRunner):
    def __init__(self, env: WorkflowEnvironment, task_queue: str, fake: FakeShopify) -> None:
        super().__init__(env, task_queue)
        self.fake = fake

    async def order(self, total_cents: int, ticket_id: str) -> RefundRequest:
        now = await self.env.get_current_time()
        order = self.fake.shop.add_order(
            MAYA.email, [("BOOT", "Trail boots", 1, total_cents)], now - timedelta(days=3)
        )
        return RefundRequest(
            # Unique per run: the module's tests share one time-skipping server.
            ticket_id=f"{ticket_id}-{uuid.uuid4().hex[:6]}",
            customer_id=MAYA.id,
            order_id=order.order_id,
            subject="Boots fell apart",
            body="Please refund my order.",
        )


@pytest_asyncio.fixture
async def shopify_cases(
    time_skipping_env: WorkflowEnvironment,
    task_queue: str,
    crm_store: CrmStore,
    fake_shopify: FakeShopify,
    shopify_admin: ShopifyAdmin,
) -> AsyncIterator[ShopifyCases]:
    crm_store.add_customer(MAYA)
    sql = SqlCommerce(crm_store)
    deps = WorkerDeps(
        store=crm_store,
        billing=StripeBilling("sk_test_unused", NO_STRIPE, timeout_seconds=1.0),
        chat=ChatActivities(None, api_url="http://api.test", temporal_ui_url="http://ui.test"),
        policy=PolicyActivities(),
        commerce=OrdersByShop(ShopifyCommerce(shopify_admin, sql.customer_id_for_email), sql),
        shopify_refunds=ShopifyRefunds(shopify_admin),
    )
    worker = build_worker(
        time_skipping_env.client,
        Settings(),
        deps=deps,
        task_queue=task_queue,
        max_cached_workflows=0,
    )
    runner = ShopifyCases(time_skipping_env, task_queue, fake_shopify)
    async with worker:
        yield runner
    await runner.replay_all()
