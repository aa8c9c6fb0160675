"""How fast queued replies reach a calling system's callback, and what ordering per ticket costs.

Setup, in one process on loopback: a dev server (in memory), a worker with DeliveryWorkflow and
the delivery activities (SQLite CRM), the outbox dispatcher, and a callback receiver that
verifies every delivery with the `standardwebhooks` package. Two phases, each timed from the
first queued reply to the last one received:

- `one_ticket`: `SERIAL` replies queued on one ticket (delivered one after the other, in order);
- `many_tickets`: `TICKETS` tickets with one reply each (their workflows deliver in parallel);
  the tickets are opened and their `case.started` events delivered before the clock starts.

The queue-to-receipt latency of each reply in the second phase is the time from the CRM row's
`created_at` to its arrival at the receiver (dispatcher poll included).

Prints key=value lines: delivery_one_ticket_per_s, delivery_many_tickets_per_s,
delivery_parallel_ratio, delivery_latency_p50_ms, delivery_latency_p99_ms, delivery_posts_per_event.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from temporalio.worker import Worker

from activities.delivery import DeliveryActivities
from activities.policy import PolicyActivities
from bench.quiet import install_quiet_runtime, start_dev_server
from integrations.callbacks import CallbackSender
from integrations.crm_store.store import CrmStore
from tests.delivery.cases import open_ticket, queue_reply
from tests.delivery.receiver import CallbackReceiver
from worker.delivery_dispatch import dispatch_outbox
from workflows.delivery.workflow import DeliveryWorkflow

SERIAL = 60
TICKETS = 60
SYSTEM = "bench-helpdesk"


def progress(message: str) -> None:
    print(f"[delivery_throughput] {message}", file=sys.stderr, flush=True)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def _received(receiver: CallbackReceiver, count: int, kind: str = "case.reply") -> None:
    deadline = time.monotonic() + 600
    while sum(r.payload["type"] == kind for r in receiver.processed) < count:
        if time.monotonic() > deadline:
            raise RuntimeError("replies were not delivered in time")
        await asyncio.sleep(0.02)


async def main(serial: int = SERIAL, tickets: int = TICKETS) -> dict[str, float | int]:
    install_quiet_runtime()
    with tempfile.TemporaryDirectory() as tmp_dir:
        store = CrmStore(f"sqlite:///{Path(tmp_dir) / 'crm.db'}")
        store.migrate()
        receiver = CallbackReceiver()
        endpoint, _ = store.register_callback(SYSTEM, receiver.url)
        receiver.secret = endpoint.secret
        arrivals: dict[str, float] = {}
        original = receiver._receive

        async def timed(request):  # type: ignore[no-untyped-def]
            response = await original(request)
            arrivals.setdefault(request.headers["webhook-id"], time.time())
            return response

        receiver._receive = timed  # type: ignore[method-assign]
        await receiver.start()
        progress("starting dev server")
        env = await start_dev_server()
        task_queue = f"bench-delivery-{uuid.uuid4().hex[:8]}"
        delivery = DeliveryActivities(store, CallbackSender())
        worker = Worker(
            env.client,
            task_queue=task_queue,
            workflows=[DeliveryWorkflow],
            activities=[PolicyActivities().load_process_policy, *delivery.all()],
            activity_executor=ThreadPoolExecutor(max_workers=16),
            max_concurrent_activities=16,
        )
        try:
            async with worker:
                dispatcher = asyncio.create_task(
                    dispatch_outbox(env.client, store, task_queue, poll_seconds=0.05)
                )
                progress(f"one ticket, {serial} replies")
                open_ticket(store, "B-serial", system=SYSTEM)
                started = time.perf_counter()
                for number in range(serial):
                    queue_reply(store, "B-serial", number)
                await _received(receiver, serial)
                one_ticket = serial / (time.perf_counter() - started)

                progress(f"{tickets} tickets, one reply each")
                ids = [f"B-{n}" for n in range(tickets)]
                for ticket_id in ids:
                    open_ticket(store, ticket_id, system=SYSTEM)
                # Their `case.started` events first, so only the replies are timed.
                await _received(receiver, tickets + 1, "case.started")
                started = time.perf_counter()
                for ticket_id in ids:
                    queue_reply(store, ticket_id, 1)
                await _received(receiver, serial + tickets)
                many = tickets / (time.perf_counter() - started)
                dispatcher.cancel()
                latencies = []
                for ticket_id in ids:
                    view = store.get_ticket(ticket_id)
                    assert view is not None
                    [message] = view.outbox
                    arrived = arrivals[message.provider_message_id or ""]
                    queued = message.created_at.astimezone(UTC)
                    latencies.append(
                        (datetime.fromtimestamp(arrived, UTC) - queued).total_seconds() * 1000
                    )
        finally:
            await env.shutdown()
            await receiver.stop()
            store.dispose()
    return {
        "delivery_one_ticket_per_s": round(one_ticket, 1),
        "delivery_many_tickets_per_s": round(many, 1),
        "delivery_parallel_ratio": round(many / one_ticket, 2),
        "delivery_latency_p50_ms": round(statistics.median(latencies), 1),
        "delivery_latency_p99_ms": round(percentile(latencies, 0.99), 1),
        # Above 1.0 only if an event was POSTed again (a retry): none expected here.
        "delivery_posts_per_event": round(receiver.posts / len(receiver.processed), 2),
    }


if __name__ == "__main__":
    for key, value in asyncio.run(main()).items():
        print(f"{key}={value}", flush=True)
