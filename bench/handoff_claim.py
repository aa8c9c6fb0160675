"""How long a person waits for a claim: `POST /tickets/{id}/handoff/claim` with many hand-offs
open (target p99 <= 150 ms).

Setup, in one process on loopback: a dev server (in memory), a worker with TicketWorkflow and
the activities it runs (rules triage, CRM on a SQLite file, hand-offs to the CRM outbox), and
the real API served by uvicorn. `WAITING` tickets that ask for a person are filed through the
API and brought to their open hand-off; then each is claimed once by an agent with a person key,
sequentially, so each sample measures the path (credential check, the `handoff_action` Update
with its validator, the workflow task, the audit row) and not a queue. A claim returns when
the Update has been accepted and applied by the workflow. The first `WARMUP` claims are
discarded.

Prints key=value lines: handoff_claim_p50_ms, handoff_claim_p99_ms, handoff_claim_samples,
handoff_claim_waiting. Progress goes to stderr.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from temporalio.worker import Worker

from activities.crm import CrmActivities
from bench.quiet import install_quiet_runtime, start_dev_server
from integrations.crm_store import CustomerView
from integrations.crm_store.store import CrmStore
from tests.loopback_api import serve_api
from worker.api import create_app
from worker.settings import Settings
from worker.ticket_activities import ticket_activity_list
from workflows.ticket.workflow import TicketWorkflow

WAITING = 120
WARMUP = 10
AGENT = "alice"


def progress(message: str) -> None:
    print(f"[handoff_claim] {message}", file=sys.stderr, flush=True)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def _open_handoffs(http: httpx.AsyncClient, store: CrmStore, count: int) -> list[str]:
    ids = [f"B-{uuid.uuid4().hex[:10]}" for _ in range(count)]
    for ticket_id in ids:
        body = {
            "ticket_id": ticket_id,
            "customer_id": "cus_bench",
            "body": "Let me talk to a human.",
        }
        (await http.post("/tickets", json=body)).raise_for_status()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if all(store.list_handoffs(t) for t in ids):
            return ids
        await asyncio.sleep(0.25)
    raise RuntimeError("hand-offs did not open in time")


async def main(waiting: int = WAITING, warmup: int = WARMUP) -> dict[str, float | int]:
    install_quiet_runtime()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        task_queue = f"bench-handoff-{uuid.uuid4().hex[:8]}"
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            SUPPORTFLOW_TASK_QUEUE=task_queue,
            DATABASE_URL=f"sqlite:///{tmp / 'crm.db'}",
            SUPPORTFLOW_KNOWLEDGE_DB=tmp / "knowledge.db",
        )
        store = CrmStore(settings.database_url)
        store.migrate()
        store.add_customer(
            CustomerView(id="cus_bench", name="Bench", email="bench@example.com", tier="standard")
        )
        system = store.create_api_key("bench-helpdesk", "system", created_by="bench").key
        person = store.create_api_key(AGENT, "person", person_id=AGENT, created_by="bench").key
        progress("starting dev server")
        env = await start_dev_server()
        crm = CrmActivities(store)
        worker = Worker(
            env.client,
            task_queue=task_queue,
            workflows=[TicketWorkflow],
            activities=[
                crm.open_case,
                crm.record_case_outcome,
                crm.record_audit,
                *ticket_activity_list(store, settings),
            ],
            activity_executor=ThreadPoolExecutor(max_workers=16),
        )
        app = create_app(settings, temporal_client=env.client, store=store)
        samples: list[float] = []
        try:
            async with worker, serve_api(app) as base_url:
                headers = {"Authorization": f"Bearer {system}"}
                async with httpx.AsyncClient(
                    base_url=base_url, headers=headers, timeout=30
                ) as http:
                    progress(f"opening {waiting} hand-offs")
                    tickets = await _open_handoffs(http, store, waiting)
                    progress("claiming")
                    claim_headers = {"Authorization": f"Bearer {person}"}
                    for index, ticket_id in enumerate(tickets):
                        started = time.perf_counter()
                        response = await http.post(
                            f"/tickets/{ticket_id}/handoff/claim", headers=claim_headers
                        )
                        elapsed_ms = (time.perf_counter() - started) * 1000
                        response.raise_for_status()
                        if index >= warmup:
                            samples.append(elapsed_ms)
                    for ticket_id in tickets:
                        await env.client.get_workflow_handle(f"ticket-{ticket_id}").terminate()
        finally:
            await env.shutdown()
            store.dispose()
    return {
        "handoff_claim_p50_ms": round(statistics.median(samples), 1),
        "handoff_claim_p99_ms": round(percentile(samples, 0.99), 1),
        "handoff_claim_samples": len(samples),
        "handoff_claim_waiting": waiting,
    }


if __name__ == "__main__":
    for key, value in asyncio.run(main()).items():
        print(f"{key}={value}", flush=True)
