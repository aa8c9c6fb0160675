"""Refund workflow (auto-approve path, real activities) vs a raw workflow of the same shape.

Both run in one process against one dev server, the refund against the Stripe sandbox and a
SQLite CRM, so the ratio shows what supportflow's own work costs on top of Temporal.
Prints key=value lines: refund_per_s, raw_per_s, refund_vs_raw_ratio (raw = six regular no-op
activities, the issue's baseline), raw_same_shape_per_s and refund_vs_same_shape_ratio (four
local + two regular no-op activities, RefundWorkflow's own shape), refund_history_events,
refund_payload_bytes. Each workload runs CASES workflows started at once on a fresh task queue.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from temporalio.client import Client
from temporalio.worker import Worker

from activities.chat import ChatActivities
from activities.policy import PolicyActivities
from bench.history_stats import history_stats
from bench.quiet import install_quiet_runtime, start_dev_server
from bench.raw_workflow import RawBaselineWorkflow, RawSameShapeWorkflow, noop
from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import StripeBilling
from tests.workflows.case_factory import seed_case
from worker.local_stack.stripe_sandbox import SANDBOX_API_KEY, StripeSandbox
from worker.settings import Settings
from worker.worker_app import WorkerDeps, build_worker
from workflows.refund.workflow import RefundWorkflow

CASES = 100


def progress(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


async def run_refunds(client: Client, deps: WorkerDeps, requests: list) -> tuple[float, str]:
    queue = f"bench-refund-{uuid.uuid4().hex[:8]}"
    async with build_worker(client, Settings(), deps=deps, task_queue=queue):
        started = time.perf_counter()
        handles = [
            await client.start_workflow(
                RefundWorkflow.run, r, id=f"bench-{r.ticket_id}", task_queue=queue
            )
            for r in requests
        ]
        outcomes = await asyncio.gather(*(h.result() for h in handles))
        elapsed = time.perf_counter() - started
    bad = [o for o in outcomes if o.state != "resolved"]
    if bad:
        raise SystemExit(f"bench: {len(bad)} refund cases did not resolve, e.g. {bad[0]}")
    return len(requests) / elapsed, handles[0].id


async def run_raw(
    client: Client, count: int, workflow_class: type[RawBaselineWorkflow | RawSameShapeWorkflow]
) -> float:
    queue = f"bench-raw-{uuid.uuid4().hex[:8]}"
    worker = Worker(
        client,
        task_queue=queue,
        workflows=[workflow_class],
        activities=[noop],
        activity_executor=ThreadPoolExecutor(max_workers=16),
        max_concurrent_activities=16,
    )
    async with worker:
        started = time.perf_counter()
        handles = [
            await client.start_workflow(
                workflow_class.run, str(i), id=f"raw-{queue}-{i}", task_queue=queue
            )
            for i in range(count)
        ]
        await asyncio.gather(*(h.result() for h in handles))
        return count / (time.perf_counter() - started)


async def main(cases: int = CASES) -> dict[str, float | int]:
    install_quiet_runtime()
    with tempfile.TemporaryDirectory() as tmp, StripeSandbox() as sandbox:
        store = CrmStore(f"sqlite:///{Path(tmp) / 'crm.db'}")
        store.migrate()
        billing = StripeBilling(SANDBOX_API_KEY, sandbox.base_url)
        progress(f"seeding {cases} auto-approve cases with real sandbox charges")
        requests = [seed_case(store, billing, amount_cents=2_500).request for _ in range(cases)]
        deps = WorkerDeps(
            store=store,
            billing=billing,
            chat=ChatActivities(None, api_url="http://bench", temporal_ui_url="http://bench"),
            policy=PolicyActivities(),
        )
        progress("starting dev server")
        env = await start_dev_server()
        async with env:
            progress(f"running {cases} raw baseline workflows (6 regular no-op activities)")
            raw_per_s = await run_raw(env.client, cases, RawBaselineWorkflow)
            progress(f"running {cases} raw same-shape workflows (4 local + 2 regular no-ops)")
            same_shape_per_s = await run_raw(env.client, cases, RawSameShapeWorkflow)
            progress(f"running {cases} refund workflows")
            refund_per_s, sample_id = await run_refunds(env.client, deps, requests)
            events, payload = history_stats(
                await env.client.get_workflow_handle(sample_id).fetch_history()
            )
        store.dispose()
    return {
        "refund_per_s": round(refund_per_s, 2),
        "raw_per_s": round(raw_per_s, 2),
        "refund_vs_raw_ratio": round(refund_per_s / raw_per_s, 3),
        "raw_same_shape_per_s": round(same_shape_per_s, 2),
        "refund_vs_same_shape_ratio": round(refund_per_s / same_shape_per_s, 3),
        "refund_history_events": events,
        "refund_payload_bytes": payload,
    }


if __name__ == "__main__":
    for key, value in asyncio.run(main()).items():
        print(f"{key}={value}")
