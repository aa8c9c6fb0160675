"""Delivery is on unless turned off: a worker configured without SUPPORTFLOW_DELIVERY sends the
replies its cases queue. An operator who registers a callback and starts `supportflow worker`
with no other setting gets the case's events, signed, at the callback."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from integrations.crm_store import CrmStore
from tests.conftest import TEST_CODEC_KEYS
from tests.delivery.cases import open_ticket, queue_reply, resolve
from tests.delivery.receiver import CallbackReceiver
from worker.settings import Settings

PROJECT_ROOT = Path(__file__).parents[2]
DEADLINE_SECONDS = 90.0


def test_delivery_is_on_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUPPORTFLOW_DELIVERY", raising=False)
    assert Settings(_env_file=None).delivery is True  # type: ignore[call-arg]
    monkeypatch.setenv("SUPPORTFLOW_DELIVERY", "false")
    assert Settings(_env_file=None).delivery is False  # type: ignore[call-arg]


@pytest.mark.slow
async def test_a_worker_with_default_settings_delivers_replies(
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
    receiver: CallbackReceiver,
    database_url: str,
    task_queue: str,
    tmp_path: Path,
) -> None:
    endpoint, _ = crm_store.register_callback("helpdesk", receiver.url)
    receiver.secret = endpoint.secret
    await receiver.start()
    ticket_id = "T-default-delivery"
    open_ticket(crm_store, ticket_id, system="helpdesk")
    queue_reply(crm_store, ticket_id, 1)
    resolve(crm_store, ticket_id)

    client = dev_server_env.client
    env = {  # what an operator sets; SUPPORTFLOW_DELIVERY is not among it
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(PROJECT_ROOT),
        "TEMPORAL_ADDRESS": client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": client.namespace,
        "SUPPORTFLOW_TASK_QUEUE": task_queue,
        "DATABASE_URL": database_url,
        "STRIPE_API_KEY": "sk_test_unused",  # never called: no case runs here
        "STRIPE_API_BASE": "http://127.0.0.1:9",
        "SUPPORTFLOW_CODEC_KEYS": TEST_CODEC_KEYS,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "worker.cli", "worker"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DEADLINE_SECONDS
        while len(receiver.processed) < 4 and loop.time() < deadline:
            assert worker.poll() is None, worker.communicate()[0]
            await asyncio.sleep(0.2)
    finally:
        worker.terminate()
        output, _ = await asyncio.to_thread(worker.communicate, timeout=60)

    kinds = [r.payload["type"] for r in receiver.processed]
    assert kinds == ["case.started", "case.reply", "case.reply", "case.resolved"], output
    ticket = crm_store.get_ticket(ticket_id)
    assert ticket is not None
    assert ticket.outbox[0].status == "sent"
    assert ticket.outbox[0].provider_message_id == receiver.processed[1].webhook_id
