"""One outbox contract, run against each channel: the callback receiver and the Zendesk adapter.

For a ticket whose case queued replies: every reply reaches the channel once, in the order it
was queued; a busy answer is retried until it is taken; an answer a retry cannot change fails
that message visibly (status, attempts, last error) and the next one still goes out.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from integrations.crm_store import CrmStore
from tests.delivery.cases import dispatch_until, open_ticket, queue_reply
from tests.delivery.receiver import CallbackReceiver
from tests.delivery.zendesk_fake import FakeZendesk


@dataclass
class Channel:
    """How a test sees one channel: what it received, and how to make it refuse."""

    name: str
    ticket_id: str
    received: Callable[[], list[str]]
    refuse_next: Callable[[list[int]], None]


@pytest_asyncio.fixture(params=["callback", "zendesk"])
async def channel(
    request: pytest.FixtureRequest,
    crm_store: CrmStore,
    receiver: CallbackReceiver,
    zendesk: FakeZendesk,
) -> AsyncIterator[Channel]:
    if request.param == "callback":
        endpoint, _ = crm_store.register_callback("helpdesk", receiver.url)
        receiver.secret = endpoint.secret
        await receiver.start()
        ticket_id = f"T-contract-{uuid.uuid4().hex[:8]}"
        open_ticket(crm_store, ticket_id, system="helpdesk")
        script: list[int] = []
        original = receiver._receive

        async def scripted(http_request):  # type: ignore[no-untyped-def]
            # The script is for replies; the ticket's other events are taken as they come.
            reply = json.loads(await http_request.read())["type"] == "case.reply"
            receiver.answer_status = script.pop(0) if script and reply else 204
            return await original(http_request)

        receiver._receive = scripted  # type: ignore[method-assign]
        await receiver.stop()
        await receiver.start()  # routes bound to the scripted handler
        yield Channel(
            "callback",
            ticket_id,
            lambda: [
                r.payload["data"]["reply"]["body"]
                for r in receiver.processed
                if r.payload["type"] == "case.reply"
            ],
            script.extend,
        )
        return
    # Ticket ids are unique per test: the dev server is shared, and a finished test's delivery
    # workflow (its worker gone) would otherwise still hold `delivery-<ticket_id>`.
    number = 700 + uuid.uuid4().int % 10**6
    ticket = zendesk.add_ticket(number)
    open_ticket(crm_store, f"zd-{number}", helpdesk="zendesk", external_id=str(number))
    yield Channel(
        "zendesk",
        f"zd-{number}",
        lambda: [c["body"] for c in ticket.comments if c["public"]],
        zendesk.fail_next.extend,
    )


def statuses(store: CrmStore, ticket_id: str) -> list[str]:
    view = store.get_ticket(ticket_id)
    assert view is not None
    return [m.status for m in view.outbox]


async def test_replies_arrive_once_in_order_through_busy_answers(
    dev_server_env: WorkflowEnvironment,
    delivery_worker: Worker,
    crm_store: CrmStore,
    channel: Channel,
    task_queue: str,
) -> None:
    channel.refuse_next([503, 429])  # the first reply is taken on its third attempt
    for number in (1, 2, 3):
        queue_reply(crm_store, channel.ticket_id, number)
    await dispatch_until(
        dev_server_env.client,
        crm_store,
        task_queue,
        lambda: statuses(crm_store, channel.ticket_id) == ["sent"] * 3,
    )
    assert channel.received() == [f"Message {n} about your order." for n in (1, 2, 3)]
    view = crm_store.get_ticket(channel.ticket_id)
    assert view is not None
    assert [m.attempts for m in view.outbox] == [3, 1, 1]


async def test_a_refused_reply_fails_visibly_and_the_next_goes_out(
    dev_server_env: WorkflowEnvironment,
    delivery_worker: Worker,
    crm_store: CrmStore,
    channel: Channel,
    task_queue: str,
) -> None:
    channel.refuse_next([422])
    queue_reply(crm_store, channel.ticket_id, 1)
    queue_reply(crm_store, channel.ticket_id, 2)
    await dispatch_until(
        dev_server_env.client,
        crm_store,
        task_queue,
        lambda: statuses(crm_store, channel.ticket_id) == ["failed", "sent"],
    )
    assert channel.received() == ["Message 2 about your order."]
    view = crm_store.get_ticket(channel.ticket_id)
    assert view is not None
    failed = view.outbox[0]
    assert failed.attempts == 1 and (failed.last_error or "").startswith(
        f"DeliveryRejected: {channel.name}: HTTP 422"
    )
