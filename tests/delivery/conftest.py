"""Delivery fixtures: a callback receiver and a fake Zendesk on loopback, a delivery policy with
short waits, and a worker running DeliveryWorkflow with the delivery activities on the dev
server (real timers: a receiver that is down for a while must be waited for, not skipped)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.delivery import DeliveryActivities
from activities.policy import PolicyActivities
from integrations.callbacks import CallbackSender
from integrations.crm_store import CrmStore
from integrations.zendesk import ZendeskTickets
from tests.delivery.receiver import CallbackReceiver
from tests.delivery.zendesk_fake import EMAIL, TOKEN, FakeZendesk
from workflows.delivery.workflow import DeliveryWorkflow

# Waits of a second between attempts, so "down for a while" is a few seconds of a test.
FAST_POLICY = {
    "version": "delivery-test",
    "max_attempts": 6,
    "initial_interval_seconds": 0.5,
    "backoff_coefficient": 1.0,
    "maximum_interval_seconds": 1,
    "attempt_timeout_seconds": 15,
    "idle_close_seconds": 2,
    "deliveries_per_run": 3,
}


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "policies"
    directory.mkdir()
    (directory / "delivery.json").write_text(json.dumps(FAST_POLICY))
    return directory


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[CallbackReceiver]:
    found = CallbackReceiver()
    yield found
    if found.hold is not None:
        found.hold.set()
    await found.stop()


@pytest_asyncio.fixture
async def zendesk() -> AsyncIterator[FakeZendesk]:
    fake = FakeZendesk()
    await fake.start()
    yield fake
    if fake.hold is not None:
        fake.hold.set()
    await fake.stop()


@pytest.fixture
def delivery(crm_store: CrmStore, zendesk: FakeZendesk) -> Iterator[DeliveryActivities]:
    callbacks = CallbackSender(timeout_seconds=5)
    tickets = ZendeskTickets(zendesk.base_url, EMAIL, TOKEN, timeout_seconds=5)
    yield DeliveryActivities(crm_store, callbacks, tickets)
    callbacks.close()
    tickets.close()


@pytest_asyncio.fixture
async def delivery_worker(
    dev_server_env: WorkflowEnvironment,
    task_queue: str,
    delivery: DeliveryActivities,
    policy_dir: Path,
) -> AsyncIterator[Worker]:
    policy = PolicyActivities(policy_dir=policy_dir)
    worker = Worker(
        dev_server_env.client,
        task_queue=task_queue,
        workflows=[DeliveryWorkflow],
        activities=[policy.load_process_policy, *delivery.all()],
        activity_executor=ThreadPoolExecutor(max_workers=4),
        max_cached_workflows=0,  # every workflow task replays the history so far
    )
    async with worker:
        yield worker
