"""Case events reach the calling system's callback: signed, in order, once, after an outage.

The worker runs DeliveryWorkflow and the delivery activities on the dev server; the receiver is
a real HTTP server written with the `standardwebhooks` package. What is asserted is what the
receiver processed and what the CRM says about each message (the ticket's outbox).
"""

from __future__ import annotations

import asyncio

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from integrations.crm_store import CrmStore
from integrations.crm_store.delivery_records import NO_CHANNEL
from tests.delivery.cases import dispatch_until, open_ticket, queue_reply, request_approval, resolve
from tests.delivery.receiver import CallbackReceiver
from tests.e2e.triage_stack import replay_and_keep
from worker.data_converter import data_converter
from workflows.delivery.contract import delivery_workflow_id
from workflows.delivery.workflow import DeliveryWorkflow

SYSTEM = "helpdesk"


def outbox_statuses(store: CrmStore, ticket_id: str) -> list[str]:
    ticket = store.get_ticket(ticket_id)
    assert ticket is not None
    return [m.status for m in ticket.outbox]


async def replay(client: Client, workflow_id: str) -> None:
    replayer = Replayer(workflows=[DeliveryWorkflow], data_converter=data_converter())
    async for history in client.list_workflows(f"WorkflowId = '{workflow_id}'").map_histories():
        await replayer.replay_workflow(history)


async def test_a_cases_events_reach_the_callback_signed_and_in_order(
    dev_server_env: WorkflowEnvironment,
    delivery_worker: Worker,
    crm_store: CrmStore,
    receiver: CallbackReceiver,
    task_queue: str,
) -> None:
    endpoint, fresh = crm_store.register_callback(SYSTEM, receiver.url)
    assert fresh and endpoint.secret.startswith("whsec_")
    receiver.secret = endpoint.secret
    await receiver.start()
    ticket_id = "T-order"
    open_ticket(crm_store, ticket_id, system=SYSTEM)
    request_approval(crm_store, ticket_id)
    for number in range(1, 6):  # more than one run's worth (deliveries_per_run=3)
        queue_reply(crm_store, ticket_id, number)
    resolve(crm_store, ticket_id)

    client = dev_server_env.client
    await dispatch_until(client, crm_store, task_queue, lambda: len(receiver.processed) >= 9)
    await asyncio.sleep(1)  # nothing more may arrive

    kinds = [r.payload["type"] for r in receiver.processed]
    assert kinds == [
        "case.started",
        "case.waiting_for_approval",
        *["case.reply"] * 5,
        "case.reply",
        "case.resolved",
    ]
    bodies = [
        r.payload["data"]["reply"]["body"]
        for r in receiver.processed
        if "reply" in r.payload["data"]
    ]
    assert bodies == [
        *(f"Message {n} about your order." for n in range(1, 6)),
        "We refunded 180.00 USD.",
    ]
    assert receiver.forged == 0 and receiver.posts == 9  # every one verified, none sent twice
    assert len(set(receiver.ids())) == 9
    ticket = crm_store.get_ticket(ticket_id)
    assert ticket is not None
    assert [m.status for m in ticket.outbox] == ["sent"] * 6
    assert all(m.attempts == 1 and m.provider_message_id and m.sent_at for m in ticket.outbox)
    assert {m.provider_message_id for m in ticket.outbox} <= set(receiver.ids())
    await replay(client, delivery_workflow_id(ticket_id))
    await replay_and_keep(client, [delivery_workflow_id(ticket_id)], "delivery_callbacks_in_order")


async def test_a_receiver_down_for_a_while_gets_the_reply_when_it_returns(
    dev_server_env: WorkflowEnvironment,
    delivery_worker: Worker,
    crm_store: CrmStore,
    receiver: CallbackReceiver,
    task_queue: str,
) -> None:
    endpoint, _ = crm_store.register_callback(SYSTEM, receiver.url)
    receiver.secret = endpoint.secret
    ticket_id = "T-outage"
    open_ticket(crm_store, ticket_id, system=SYSTEM)
    resolve(crm_store, ticket_id)  # the receiver is not listening: connection refused

    client = dev_server_env.client

    def attempts() -> int:
        return sum(d.attempts for d in crm_store.deliveries(ticket_id))

    await dispatch_until(client, crm_store, task_queue, lambda: attempts() >= 2)
    started = crm_store.deliveries(ticket_id)[0]
    assert started.status == "queued" and "DeliveryUnreachable" in (started.last_error or "")
    await receiver.start()
    receiver.answer_status = 503  # up, but still failing for one more attempt
    await dispatch_until(client, crm_store, task_queue, lambda: receiver.refused >= 1)
    receiver.answer_status = 204
    await dispatch_until(client, crm_store, task_queue, lambda: len(receiver.processed) >= 3)

    assert [r.payload["type"] for r in receiver.processed] == [
        "case.started",
        "case.reply",
        "case.resolved",
    ]
    assert outbox_statuses(crm_store, ticket_id) == ["sent"]
    ticket = crm_store.get_ticket(ticket_id)
    assert ticket is not None and ticket.outbox[0].attempts == 1  # the reply waited its turn
    assert crm_store.deliveries(ticket_id)[0].attempts >= 3
    await replay(client, delivery_workflow_id(ticket_id))
    await replay_and_keep(client, [delivery_workflow_id(ticket_id)], "delivery_receiver_outage")


async def test_a_reply_that_cannot_be_delivered_is_failed_visibly_and_the_next_goes_out(
    dev_server_env: WorkflowEnvironment,
    delivery_worker: Worker,
    crm_store: CrmStore,
    receiver: CallbackReceiver,
    task_queue: str,
) -> None:
    endpoint, _ = crm_store.register_callback(SYSTEM, receiver.url)
    receiver.secret = endpoint.secret
    await receiver.start()
    receiver.answer_status = 410  # the receiver says the endpoint is gone: not worth a retry
    ticket_id = "T-gone"
    open_ticket(crm_store, ticket_id, system=SYSTEM)
    queue_reply(crm_store, ticket_id, 1)
    client = dev_server_env.client
    await dispatch_until(
        client,
        crm_store,
        task_queue,
        lambda: outbox_statuses(crm_store, ticket_id) == ["failed"],
    )
    ticket = crm_store.get_ticket(ticket_id)
    assert ticket is not None
    failed = ticket.outbox[0]
    assert failed.attempts == 1 and failed.failed_at is not None
    assert "DeliveryTargetGone" in (failed.last_error or "") and "410" in (failed.last_error or "")
    assert crm_store.delivery_counts().failed_replies == 1

    receiver.answer_status = 204
    queue_reply(crm_store, ticket_id, 2)
    await dispatch_until(client, crm_store, task_queue, lambda: len(receiver.processed) >= 1)
    assert receiver.processed[0].payload["data"]["reply"]["subject"] == "Update 2"
    await dispatch_until(
        client,
        crm_store,
        task_queue,
        lambda: outbox_statuses(crm_store, ticket_id) == ["failed", "sent"],
    )


@pytest.mark.parametrize("status", [503])
async def test_a_receiver_that_never_recovers_fails_the_reply_after_the_policys_attempts(
    dev_server_env: WorkflowEnvironment,
    delivery_worker: Worker,
    crm_store: CrmStore,
    receiver: CallbackReceiver,
    task_queue: str,
    status: int,
) -> None:
    endpoint, _ = crm_store.register_callback(SYSTEM, receiver.url)
    receiver.secret = endpoint.secret
    await receiver.start()
    receiver.answer_status = status
    ticket_id = "T-never"
    open_ticket(crm_store, ticket_id)  # filed without a system: only the reply matters here
    crm_store.record_ticket_source(ticket_id, system=SYSTEM)
    queue_reply(crm_store, ticket_id, 1)
    await dispatch_until(
        dev_server_env.client,
        crm_store,
        task_queue,
        lambda: outbox_statuses(crm_store, ticket_id) == ["failed"],
    )
    ticket = crm_store.get_ticket(ticket_id)
    assert ticket is not None
    assert ticket.outbox[0].attempts == 6  # policy max_attempts
    assert "DeliveryUnavailable" in (ticket.outbox[0].last_error or "")
    assert receiver.processed == []


async def test_a_reply_with_no_channel_is_failed_at_once_not_left_queued(
    dev_server_env: WorkflowEnvironment,
    delivery_worker: Worker,
    crm_store: CrmStore,
    task_queue: str,
) -> None:
    ticket_id = "T-nowhere"
    open_ticket(crm_store, ticket_id)
    queue_reply(crm_store, ticket_id, 1)
    await dispatch_until(
        dev_server_env.client,
        crm_store,
        task_queue,
        lambda: outbox_statuses(crm_store, ticket_id) == ["failed"],
    )
    ticket = crm_store.get_ticket(ticket_id)
    assert ticket is not None and ticket.outbox[0].last_error == NO_CHANNEL
