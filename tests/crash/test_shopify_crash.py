"""kill -9 a real worker after Shopify made the refund but before the activity could report it.

The fake Shopify parks refundCreate's answer once the refund exists; the worker process is
SIGKILLed there, the answer is dropped, and a fresh worker finishes the case. Its retry of the
money step must find the refund by the key in its note (the pre-check runs before any
refundCreate) and the order must hold exactly one refund.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from integrations.crm_store.store import CrmStore
from integrations.crm_store.views import CustomerView
from tests.commerce.conftest import fake_shopify
from tests.commerce.shopify_fake import TOKEN, FakeShopify
from tests.crash.worker_process import WorkerProcesses, poll_until, worker_environment
from tests.triage.fake_openai import free_port
from worker.data_converter import data_converter
from worker.worker_app import WORKFLOWS
from workflows.case.contract import case_workflow_id
from workflows.refund.contract import REFUND_WORKFLOW, RefundOutcome, RefundRequest

__all__ = ["fake_shopify"]
pytestmark = pytest.mark.slow

DEADLINE_SECONDS = 180.0
MAYA = CustomerView(id="cus_maya", name="Maya Patel", email="maya@example.com", tier="standard")


@pytest.fixture
def shopify_workers(
    tmp_path: Path,
    dev_server_env: WorkflowEnvironment,
    task_queue: str,
    database_url: str,
    crm_store: CrmStore,
    fake_shopify: FakeShopify,
) -> Iterator[WorkerProcesses]:
    client = dev_server_env.client
    env = worker_environment(
        {
            "TEMPORAL_ADDRESS": client.service_client.config.target_host,
            "TEMPORAL_NAMESPACE": client.namespace,
            "SUPPORTFLOW_TASK_QUEUE": task_queue,
            "DATABASE_URL": database_url,
            # Shopify orders never reach Stripe; a closed port makes sure of it.
            "STRIPE_API_BASE": f"http://127.0.0.1:{free_port()}",
            "SHOPIFY_SHOP": "supportflow-test.myshopify.com",
            "SHOPIFY_ACCESS_TOKEN": TOKEN,
            "SHOPIFY_API_BASE": fake_shopify.base_url,
        },
        tmp_path,
    )
    processes = WorkerProcesses(env, tmp_path, client, task_queue)
    try:
        yield processes
    finally:
        processes.kill_all()


async def test_worker_killed_after_shopify_refunded_finds_that_refund(
    shopify_workers: WorkerProcesses,
    fake_shopify: FakeShopify,
    crm_store: CrmStore,
    dev_server_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    crm_store.add_customer(MAYA)
    order = fake_shopify.shop.add_order(
        MAYA.email, [("BOOT", "Trail boots", 1, 3_500)], datetime.now(UTC) - timedelta(days=3)
    )
    held = fake_shopify.hold_refund_create()
    first = shopify_workers.start()
    request = RefundRequest(ticket_id="T-shop-crash", customer_id=MAYA.id, order_id=order.order_id)
    handle = await dev_server_env.client.start_workflow(
        REFUND_WORKFLOW,
        request,
        id=case_workflow_id(request.ticket_id),
        task_queue=task_queue,
        result_type=RefundOutcome,
    )

    async def reached() -> bool:
        shopify_workers.check_alive(first)
        return held.reached.is_set()

    await poll_until(reached, DEADLINE_SECONDS, "refundCreate to reach the fake Shopify")
    shopify_workers.kill(first)
    # Shopify made the refund; the worker that asked for it is gone without the answer.
    assert len(fake_shopify.shop.refunds(order.order_id)) == 1
    held.release()

    second = shopify_workers.start()
    await shopify_workers.wait_polling(second)

    async def closed() -> bool:
        shopify_workers.check_alive(second)
        return (await handle.describe()).status != WorkflowExecutionStatus.RUNNING

    await poll_until(closed, DEADLINE_SECONDS, "the case to close")
    outcome: RefundOutcome = await handle.result()

    refunds = fake_shopify.shop.refunds(order.order_id)
    assert outcome.state == "resolved", outcome
    assert [(r.refund_id, r.amount_cents) for r in refunds] == [(outcome.refund_id, 3_500)]
    assert fake_shopify.shop.refund_creates == 1
    ticket = await asyncio.to_thread(crm_store.get_ticket, request.ticket_id)
    assert ticket is not None and ticket.status == "resolved"
    assert [r.refund_id for r in ticket.refunds] == [outcome.refund_id]
    issued = [e.detail for e in ticket.audit if e.action == "refund_issued"]
    assert len(issued) == 1 and "(found existing)" in issued[0]
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter())
    await replayer.replay_workflow(await handle.fetch_history())
