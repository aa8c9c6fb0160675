"""`supportflow worker --processes 2`: two processes share the task queue; SIGTERM stops both
gracefully, and a refund in flight at that moment finishes (paid once, recorded as completed)
instead of being cut off and retried."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from integrations.crm_store import CrmStore
from integrations.stripe_billing import StripeBilling
from tests.conftest import TEST_CODEC_KEYS
from tests.ops.slow_stripe import SlowStripe
from tests.workflows.case_factory import seed_case
from worker.local_stack.stripe_sandbox import SANDBOX_API_KEY
from workflows.case.contract import case_workflow_id
from workflows.refund.workflow import RefundWorkflow

AUTO_AMOUNT = 2500  # auto-approved under the shipped policy: straight to issue_refund
HOLD_SECONDS = 4.0


async def pollers(client: Client, task_queue: str) -> set[str]:
    described = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(namespace=client.namespace, task_queue=TaskQueue(name=task_queue))
    )
    return {p.identity for p in described.pollers}


def children_of(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


@pytest.mark.slow
async def test_sigterm_lets_the_refund_in_flight_finish(
    dev_server_env: WorkflowEnvironment,
    task_queue: str,
    database_url: str,
    crm_store: CrmStore,
    stripe_sandbox: str,
    stripe_billing: StripeBilling,
    tmp_path: Path,
) -> None:
    client = dev_server_env.client
    slow = SlowStripe(stripe_sandbox, HOLD_SECONDS)
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(Path(__file__).parents[2]),
        "TEMPORAL_ADDRESS": client.service_client.config.target_host,
        "SUPPORTFLOW_TASK_QUEUE": task_queue,
        "DATABASE_URL": database_url,
        "STRIPE_API_KEY": SANDBOX_API_KEY,
        "STRIPE_API_BASE": slow.base_url,
        "SUPPORTFLOW_GRACEFUL_SHUTDOWN_SECONDS": "30",
        # The suite's payload key: the workers decrypt what the test's client encrypts.
        "SUPPORTFLOW_CODEC_KEYS": TEST_CODEC_KEYS,
    }
    pool = subprocess.Popen(
        [sys.executable, "-m", "worker.cli", "worker", "--processes", "2"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(1200):  # each child imports the SDK and connects on its own
            polling = {i.split("@")[0] for i in await pollers(client, task_queue)}
            if (
                len(children_of(pool.pid)) == 2
                and {str(p) for p in children_of(pool.pid)} <= polling
            ):
                break
            await asyncio.sleep(0.1)
        workers = children_of(pool.pid)
        identities = await pollers(client, task_queue)
        assert len(workers) == 2, workers
        assert {str(pid) for pid in workers} <= {i.split("@")[0] for i in identities}

        case = seed_case(crm_store, stripe_billing, amount_cents=AUTO_AMOUNT)
        workflow_id = case_workflow_id(case.request.ticket_id)
        await client.start_workflow(
            RefundWorkflow.run, case.request, id=workflow_id, task_queue=task_queue
        )
        arrived = await asyncio.to_thread(slow.refunds_arrived.wait, 60)
        assert arrived, "issue_refund never reached Stripe"
        pool.send_signal(signal.SIGTERM)  # while Stripe still holds the refund
        output, _ = await asyncio.to_thread(pool.communicate, timeout=60)
    finally:
        if pool.poll() is None:
            pool.kill()
        slow.close()

    assert pool.returncode == 0, output
    assert output.count("worker stopped") == 2, output
    assert slow.refunds_answered == [200]  # the held request was answered, not abandoned
    assert len(stripe_billing.list_refunds(case.charge_id)) == 1
    completed = await _issue_refund_completed(client, workflow_id)
    assert completed, "issue_refund did not complete before the worker exited"


async def _issue_refund_completed(client: Client, workflow_id: str) -> bool:
    scheduled: dict[int, str] = {}
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled[event.event_id] = (
                event.activity_task_scheduled_event_attributes.activity_type.name
            )
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            attrs = event.activity_task_completed_event_attributes
            if scheduled.get(attrs.scheduled_event_id) == "issue_refund":
                return True
    return False
