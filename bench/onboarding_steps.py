"""`submit_step` round trip with 10 and with 1,000 signups open.

What a signup form feels is the time from submitting a step to the answer (accepted, or field
errors): the Update's round trip. It must not grow with the number of signups in flight (target
p99 <= 150 ms, the 1,000-open figure within 1.5x of the 10-open one).

Setup on loopback: the packaged dev server (in memory) and `supportflow worker` in its own
process (the production worker, workflow cache of 1,000) on a fresh SQLite CRM. For each W, W signups
are started and brought to `awaiting_customer`; then a signup is picked at random and its
`contact` step submitted (a valid one, so the backend check and the CRM write that follow load
the worker like real traffic), sequentially, a few warm-up samples discarded.

Prints key=value lines: onboarding_submit_step_p50_ms_w10, ..._p99_ms_w10, the same with
_w1000, and onboarding_submit_step_p99_ratio_w1000_w10; progress goes to stderr.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from temporalio.client import Client, WorkflowHandle

from bench.approval_latency import FOREIGN_ENV_PREFIXES
from bench.bench_keys import bench_codec_env
from bench.quiet import install_quiet_runtime, start_dev_server
from worker.local_stack.processes import ChildProcess, child_env
from worker.local_stack.startup import has_poller
from workflows.case.contract import STATUS_QUERY
from workflows.onboarding.contract import (
    ONBOARDING_WORKFLOW,
    SUBMIT_STEP_UPDATE,
    OnboardingRequest,
    OnboardingStatus,
    StepReceipt,
    StepSubmission,
    onboarding_workflow_id,
)

OPEN = (10, 1000)
SAMPLES = 200
WARMUP = 10
WAVE = 50


async def _open_signups(client: Client, task_queue: str, count: int) -> list[WorkflowHandle]:
    handles: list[WorkflowHandle] = []
    for first in range(0, count, WAVE):
        ids = [f"B-{uuid.uuid4().hex[:12]}" for _ in range(first, min(first + WAVE, count))]
        wave = [
            await client.start_workflow(
                ONBOARDING_WORKFLOW,
                OnboardingRequest(application_id=app_id),
                id=onboarding_workflow_id(app_id),
                task_queue=task_queue,
            )
            for app_id in ids
        ]
        await asyncio.gather(*(_until_waiting(h) for h in wave))
        handles += wave
        print(f"open signups: {len(handles)}/{count}", file=sys.stderr, flush=True)
    return handles


async def _until_waiting(handle: WorkflowHandle) -> None:
    for _ in range(600):
        try:
            status = await handle.query(STATUS_QUERY, result_type=OnboardingStatus)
            if status.state == "awaiting_customer":
                return
        except Exception:  # the first workflow task may not have run yet
            pass
        await asyncio.sleep(0.05)
    raise RuntimeError(f"{handle.id} never started waiting for the applicant")


async def _round_trips(handles: list[WorkflowHandle]) -> list[float]:
    samples: list[float] = []
    for number in range(SAMPLES + WARMUP):
        handle = random.choice(handles)
        fields = {"email": f"{uuid.uuid4().hex[:10]}@example.com", "full_name": "Bench Mark"}
        started = time.perf_counter()
        await handle.execute_update(
            SUBMIT_STEP_UPDATE,
            StepSubmission(step="contact", fields=fields),
            result_type=StepReceipt,
        )
        if number >= WARMUP:
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def _p(samples: list[float], q: float) -> float:
    return round(statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1], 1)


@asynccontextmanager
async def production_worker(tmp: Path, client: Client, task_queue: str) -> AsyncIterator[None]:
    """`supportflow worker` as deployed, configured only through its environment, in its own
    process: neither this driver nor the 1,000 cached signups share a GIL with the other."""
    env = child_env(
        {
            "TEMPORAL_ADDRESS": client.service_client.config.target_host,
            "TEMPORAL_NAMESPACE": client.namespace,
            "SUPPORTFLOW_TASK_QUEUE": task_queue,
            "DATABASE_URL": f"sqlite:///{tmp / 'crm.db'}",
            # Never called: the benchmark submits the contact step only.
            "STRIPE_API_KEY": "sk_test_unused",
            "STRIPE_API_BASE": "http://127.0.0.1:9",
            # The signup steps alone: nothing to deliver to (no callback registered).
            "SUPPORTFLOW_DELIVERY": "false",
            **bench_codec_env(),
        },
        drop_prefixes=FOREIGN_ENV_PREFIXES,
    )
    command = [sys.executable, "-m", "worker.cli", "worker"]
    worker = ChildProcess("worker", command, tmp / "worker.log", env=env, cwd=tmp)
    worker.start()
    try:
        give_up = time.monotonic() + 90
        while not await has_poller(client, task_queue, worker.pid):
            if worker.exit_code() is not None or time.monotonic() > give_up:
                raise SystemExit(f"bench: the worker did not start:\n{worker.log_tail()}")
            await asyncio.sleep(0.1)
        yield
    finally:
        worker.stop()


async def main() -> dict[str, float | int]:
    install_quiet_runtime()
    env = await start_dev_server()
    figures: dict[str, float | int] = {}
    task_queue = f"bench-onboarding-{uuid.uuid4().hex[:8]}"
    try:
        with tempfile.TemporaryDirectory() as scratch:
            async with production_worker(Path(scratch), env.client, task_queue):
                handles: list[WorkflowHandle] = []
                for count in OPEN:
                    handles += await _open_signups(env.client, task_queue, count - len(handles))
                    samples = await _round_trips(handles)
                    figures[f"onboarding_submit_step_p50_ms_w{count}"] = _p(samples, 50)
                    figures[f"onboarding_submit_step_p99_ms_w{count}"] = _p(samples, 99)
    finally:
        await env.shutdown()
    w10 = figures["onboarding_submit_step_p99_ms_w10"]
    w1000 = figures["onboarding_submit_step_p99_ms_w1000"]
    figures["onboarding_submit_step_p99_ratio_w1000_w10"] = round(float(w1000) / float(w10), 2)
    return figures


if __name__ == "__main__":
    for key, value in asyncio.run(main()).items():
        print(f"{key}={value}", flush=True)
