"""Stripe dispute webhooks under load: how fast POST /webhooks/stripe answers, and how soon a
worker starts the case, with 10 and with 1,000 chargebacks open (waiting for review).

As deployed: the dev server (in memory), the Stripe sandbox with its extras server, a SQLite
CRM, and `supportflow worker` and `supportflow api` as their own processes (started as the
approval benchmark starts them), so this driver shares no GIL with the endpoint it measures. Open cases are real disputes on one sandbox charge,
handed over through the same endpoint and left awaiting review. The measured events are sent
one after another (as Stripe delivers them, not as a burst), each a signed
`charge.dispute.created` for a new dispute:

- `dispute_webhook_ack_p99_ms`: POST sent → 200 received (signature check, dedupe memory,
  signal-with-start);
- `dispute_webhook_to_start_p99_ms`: POST sent → the case's first workflow task started on the
  worker (its history's first WorkflowTaskStarted), i.e. the case is running.

Prints key=value lines (suffix `_open10` for the 10-open run); progress goes to stderr.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from bench.approval_latency import free_port, services
from bench.quiet import install_quiet_runtime, start_dev_server
from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import StripeBilling
from tests.workflows.case_factory import seed_case
from worker.local_stack.stripe_extras.helpers import open_dispute
from worker.local_stack.stripe_extras.webhooks import sign
from worker.local_stack.stripe_sandbox import SANDBOX_API_KEY, StripeSandbox
from workflows.chargeback.contract import chargeback_workflow_id

SECRET = "whsec_bench"
MEASURED = 200
# Handing the open cases over: a burst; measuring: one event at a time.
OPENING_CONCURRENCY = 10
OPEN_COUNTS = (10, 1_000)


def progress(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def open_many(stripe: str, charge: str, count: int) -> list[dict[str, Any]]:
    """`count` new disputes on one charge: the case count, not charges, is what is measured."""
    return [open_dispute(stripe, charge) for _ in range(count)]


def created_event(dispute: dict[str, Any]) -> str:
    return json.dumps(
        {
            "id": f"evt_{dispute['id']}",
            "object": "event",
            "type": "charge.dispute.created",
            "created": int(time.time()),
            "data": {"object": dispute},
        }
    )


async def post_event(http: httpx.AsyncClient, payload: str) -> tuple[float, float]:
    """(wall-clock send time, ack milliseconds)."""
    headers = {"Stripe-Signature": sign(SECRET, payload, int(time.time()))}
    sent, started = time.time(), time.perf_counter()
    response = await http.post("/webhooks/stripe", content=payload, headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"bench: webhook answered {response.status_code}: {response.text}")
    return sent, (time.perf_counter() - started) * 1000


async def first_task_started(client: Client, workflow_id: str) -> float:
    """Wall-clock time the first workflow task of the case started on a worker."""
    for _ in range(600):
        async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
                return event.event_time.ToDatetime().timestamp()
        await asyncio.sleep(0.1)
    raise SystemExit(f"bench: {workflow_id} never started")


async def hand_over(
    http: httpx.AsyncClient, disputes: list[dict[str, Any]], concurrency: int
) -> list[tuple[str, float, float]]:
    """POSTs each dispute's created event, `concurrency` at a time: (workflow id, sent, ack ms)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(dispute: dict[str, Any]) -> tuple[str, float, float]:
        async with gate:
            sent, ack = await post_event(http, created_event(dispute))
        return chargeback_workflow_id(dispute["id"]), sent, ack

    return list(await asyncio.gather(*(one(d) for d in disputes)))


async def wait_open(client: Client, count: int) -> None:
    query = "Process = 'chargeback' AND CaseState = 'awaiting_approval'"
    give_up = time.monotonic() + 1_800
    while (await client.count_workflows(query)).count < count:
        if time.monotonic() > give_up:
            raise SystemExit(f"bench: fewer than {count} chargebacks reached review")
        await asyncio.sleep(1.0)


async def measure(
    client: Client, http: httpx.AsyncClient, stripe: str, charge: str, suffix: str
) -> dict[str, float]:
    disputes = await asyncio.to_thread(open_many, stripe, charge, MEASURED)
    handed = await hand_over(http, disputes, 1)
    starts = await asyncio.gather(*(first_task_started(client, wid) for wid, _, _ in handed))
    acks = [ack for _, _, ack in handed]
    to_start = [(start - sent) * 1000 for (_, sent, _), start in zip(handed, starts, strict=True)]
    return {
        f"dispute_webhook_ack_p50_ms{suffix}": round(percentile(acks, 50), 2),
        f"dispute_webhook_ack_p99_ms{suffix}": round(percentile(acks, 99), 2),
        f"dispute_webhook_to_start_p50_ms{suffix}": round(percentile(to_start, 50), 2),
        f"dispute_webhook_to_start_p99_ms{suffix}": round(percentile(to_start, 99), 2),
    }


async def run_phases(
    client: Client, http: httpx.AsyncClient, stripe: str, charge: str, open_counts: tuple[int, ...]
) -> dict[str, float | int]:
    results: dict[str, float | int] = {}
    waiting = 0
    for count in sorted(open_counts):
        progress(f"opening chargebacks until {count} wait for review")
        more = await asyncio.to_thread(open_many, stripe, charge, count - waiting)
        await hand_over(http, more, OPENING_CONCURRENCY)
        await wait_open(client, count)
        progress(f"measuring {MEASURED} webhooks with {count} open")
        suffix = "" if count == max(open_counts) else f"_open{count}"
        results.update(await measure(client, http, stripe, charge, suffix))
        waiting = count + MEASURED
        await wait_open(client, waiting)
    return results


async def main(open_counts: tuple[int, ...] = OPEN_COUNTS) -> dict[str, float | int]:
    install_quiet_runtime()
    results: dict[str, float | int] = {}
    with tempfile.TemporaryDirectory() as tmp, StripeSandbox() as sandbox:
        database_url = f"sqlite:///{Path(tmp) / 'crm.db'}"
        store = CrmStore(database_url)
        store.migrate()
        billing = StripeBilling(SANDBOX_API_KEY, sandbox.base_url)
        charge = seed_case(store, billing, amount_cents=40_000).charge_id
        progress("starting dev server")
        env = await start_dev_server()
        api_port = free_port()
        overrides = {
            "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
            "TEMPORAL_NAMESPACE": env.client.namespace,
            "SUPPORTFLOW_TASK_QUEUE": "bench-chargebacks",
            "SUPPORTFLOW_API_URL": f"http://127.0.0.1:{api_port}",
            "SUPPORTFLOW_KNOWLEDGE_DB": str(Path(tmp) / "knowledge.db"),
            "DATABASE_URL": database_url,
            "STRIPE_API_KEY": SANDBOX_API_KEY,
            "STRIPE_API_BASE": sandbox.base_url,
            "STRIPE_WEBHOOK_SECRET": SECRET,
        }
        async with (
            env,
            services(Path(tmp), env.client, overrides, api_port),
            httpx.AsyncClient(base_url=overrides["SUPPORTFLOW_API_URL"], timeout=60) as http,
        ):
            results = await run_phases(env.client, http, sandbox.base_url, charge, open_counts)
        store.dispose()
    return results


if __name__ == "__main__":
    for key, value in asyncio.run(main()).items():
        print(f"{key}={value}")
