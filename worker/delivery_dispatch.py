"""The outbox dispatcher: tells each ticket's DeliveryWorkflow that its case queued events.

Case events are written in the CRM in the transaction of the change they announce; this loop,
run by every worker with delivery on, finds tickets with events no workflow was told about,
signal-with-starts `delivery-<ticket>` and then marks them dispatched. A crash between the two
signals again, which changes nothing (the workflow reads what is owed from the CRM). Several
workers may run it at once for the same reason.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from temporalio.client import Client

from workflows.delivery.contract import (
    DELIVERY_WORKFLOW,
    EVENTS_QUEUED_SIGNAL,
    DeliveryRequest,
    EventsQueued,
    delivery_workflow_id,
)

log = logging.getLogger("supportflow.delivery")
POLL_SECONDS = 1.0
# Signal-with-starts in flight at once: tickets do not wait for each other's round trips.
PARALLEL_STARTS = 16


class DispatchStore(Protocol):
    def tickets_with_undispatched_events(self, limit: int = 100) -> list[tuple[str, int]]: ...

    def mark_dispatched(self, ticket_id: str, up_to_event_id: int) -> None: ...


async def dispatch_once(client: Client, store: DispatchStore, task_queue: str) -> int:
    """Signals every ticket with undispatched events once; returns how many tickets."""
    tickets = await asyncio.to_thread(store.tickets_with_undispatched_events)
    limit = asyncio.Semaphore(PARALLEL_STARTS)

    async def wake(ticket_id: str, newest: int) -> None:
        async with limit:
            await client.start_workflow(
                DELIVERY_WORKFLOW,
                DeliveryRequest(ticket_id=ticket_id),
                id=delivery_workflow_id(ticket_id),
                task_queue=task_queue,
                start_signal=EVENTS_QUEUED_SIGNAL,
                start_signal_args=[EventsQueued(up_to_event_id=newest)],
            )
            await asyncio.to_thread(store.mark_dispatched, ticket_id, newest)

    await asyncio.gather(*(wake(ticket_id, newest) for ticket_id, newest in tickets))
    return len(tickets)


async def dispatch_outbox(
    client: Client, store: DispatchStore, task_queue: str, *, poll_seconds: float = POLL_SECONDS
) -> None:
    """Runs until cancelled; a failed round (Temporal or the CRM down) is logged and retried."""
    while True:
        try:
            busy = await dispatch_once(client, store, task_queue)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox dispatch failed; retrying in %.0f s", poll_seconds)
            busy = 0
        if not busy:
            await asyncio.sleep(poll_seconds)
