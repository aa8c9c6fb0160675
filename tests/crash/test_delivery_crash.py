"""kill -9 the worker while a reply is being delivered: it reaches the customer once.

The worker is a separate process (`python -m worker.worker_app`, delivery on, its own outbox
dispatcher). The receiving side takes the delivery and then holds its answer until the worker
is dead, so the worker never learns it succeeded. A fresh worker retries the delivery after the
attempt's timeout:

- Zendesk: the retry's pre-check finds the update by its `metadata.supportflow_message_id` in
  the ticket's audits, so the customer gets exactly one public comment;
- callback: the retry carries the same `webhook-id`, and a receiver that drops repeats (as
  Standard Webhooks asks) processes the reply once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from integrations.crm_store.store import CrmStore
from tests.crash.conftest import WORKER_LOGS
from tests.crash.worker_process import WorkerProcesses, poll_until, worker_environment
from tests.delivery.cases import open_ticket, resolve
from tests.delivery.receiver import CallbackReceiver
from tests.delivery.zendesk_fake import EMAIL, TOKEN, FakeZendesk
from tests.stripe_fixtures import SANDBOX_API_KEY
from worker.data_converter import data_converter
from workflows.delivery.contract import delivery_workflow_id
from workflows.delivery.workflow import DeliveryWorkflow

pytestmark = pytest.mark.slow

# The shipped policy's attempt timeout (15 s) passes before the server retries a lost attempt.
DEADLINE_SECONDS = 120.0


@pytest_asyncio.fixture
async def zendesk() -> AsyncIterator[FakeZendesk]:
    fake = FakeZendesk()
    await fake.start()
    yield fake
    if fake.hold is not None:
        fake.hold.set()
    await fake.stop()


@pytest.fixture
def delivering_workers(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    dev_server_env: WorkflowEnvironment,
    task_queue: str,
    database_url: str,
    crm_store: CrmStore,
    stripe_sandbox: str,
    zendesk: FakeZendesk,
) -> Iterator[WorkerProcesses]:
    client = dev_server_env.client
    env = worker_environment(
        {
            "TEMPORAL_ADDRESS": client.service_client.config.target_host,
            "TEMPORAL_NAMESPACE": client.namespace,
            "SUPPORTFLOW_TASK_QUEUE": task_queue,
            "DATABASE_URL": database_url,
            "STRIPE_API_KEY": SANDBOX_API_KEY,
            "STRIPE_API_BASE": stripe_sandbox,
            "SUPPORTFLOW_DELIVERY": "true",
            "ZENDESK_API_BASE": zendesk.base_url,
            "ZENDESK_EMAIL": EMAIL,
            "ZENDESK_API_TOKEN": TOKEN,
        },
        tmp_path,
    )
    processes = WorkerProcesses(env, tmp_path, client, task_queue)
    request.node.stash[WORKER_LOGS] = processes.logs
    try:
        yield processes
    finally:
        processes.kill_all()


async def replay(client: Client, ticket_id: str) -> None:
    replayer = Replayer(workflows=[DeliveryWorkflow], data_converter=data_converter())
    query = f"WorkflowId = '{delivery_workflow_id(ticket_id)}'"
    async for history in client.list_workflows(query).map_histories():
        await replayer.replay_workflow(history)


async def test_worker_killed_after_zendesk_took_the_reply_comments_once(
    delivering_workers: WorkerProcesses,
    zendesk: FakeZendesk,
    crm_store: CrmStore,
    dev_server_env: WorkflowEnvironment,
) -> None:
    zendesk_ticket = zendesk.add_ticket(77)
    zendesk.hold = asyncio.Event()
    ticket_id = "zd-77"
    open_ticket(crm_store, ticket_id, helpdesk="zendesk", external_id="77")
    resolve(crm_store, ticket_id, "We refunded 180.00 USD to your card.")

    first = delivering_workers.start()
    await asyncio.wait_for(zendesk.held.wait(), DEADLINE_SECONDS)
    assert len(zendesk_ticket.comments) == 1  # Zendesk has it; the worker does not know
    delivering_workers.kill(first)
    zendesk.hold.set()
    zendesk.hold = None
    delivering_workers.start()

    async def solved() -> bool:
        return zendesk_ticket.status == "solved"

    await poll_until(solved, DEADLINE_SECONDS, "the Zendesk ticket to be solved")
    [comment] = zendesk_ticket.comments
    assert comment["public"] and comment["body"] == "We refunded 180.00 USD to your card."
    assert zendesk.puts == 2  # the reply once, the resolution once
    ticket = crm_store.get_ticket(ticket_id)
    assert ticket is not None
    [reply] = ticket.outbox
    assert reply.status == "sent" and reply.provider_message_id == str(comment["audit_id"])
    assert reply.attempts == 2  # the killed attempt and the retry that found it
    await replay(dev_server_env.client, ticket_id)


async def test_worker_killed_after_the_receiver_took_the_callback_processes_it_once(
    delivering_workers: WorkerProcesses,
    crm_store: CrmStore,
    dev_server_env: WorkflowEnvironment,
) -> None:
    receiver = CallbackReceiver()
    endpoint, _ = crm_store.register_callback("helpdesk", receiver.url)
    receiver.secret = endpoint.secret
    await receiver.start()
    try:
        ticket_id = "T-crash-callback"
        open_ticket(crm_store, ticket_id, system="helpdesk")
        receiver.hold = asyncio.Event()
        first = delivering_workers.start()
        await asyncio.wait_for(receiver.held.wait(), DEADLINE_SECONDS)
        [started] = receiver.processed
        assert started.payload["type"] == "case.started"
        delivering_workers.kill(first)
        receiver.hold.set()
        receiver.hold = None
        resolve(crm_store, ticket_id)
        delivering_workers.start()

        async def all_three() -> bool:
            return len(receiver.processed) >= 3

        await poll_until(all_three, DEADLINE_SECONDS, "the reply and the resolution")
        await asyncio.sleep(1)
        kinds = [r.payload["type"] for r in receiver.processed]
        assert kinds == ["case.started", "case.reply", "case.resolved"]
        assert receiver.posts == 4 and receiver.forged == 0  # `case.started` arrived twice
        states = crm_store.deliveries(ticket_id)
        assert [(s.kind, s.status, s.attempts) for s in states] == [
            ("case.started", "sent", 2),
            ("case.reply", "sent", 1),
            ("case.resolved", "sent", 1),
        ]
        await replay(dev_server_env.client, ticket_id)
    finally:
        if receiver.hold is not None:
            receiver.hold.set()
        await receiver.stop()
