"""Worker memory with 1,000 and 10,000 refund cases waiting for approval (target <= 1024 MB).

Setup, one run, on loopback: a dev server (in memory), the Stripe sandbox with a real charge per
case, a SQLite CRM file, and `supportflow worker` as its own process configured only through
its environment (sticky cache SUPPORTFLOW_MAX_CACHED_WORKFLOWS, default 1000). Cases ask for
one approval (above the auto-approve limit) with no Slack configured, so each records its
request, queues it for the approvers and sleeps on its reminder timer, as a case waiting for a
person does. Cases are started in waves; once the CRM shows W pending approvals and the worker's
RSS stops moving, RSS and peak RSS (VmHWM) are read from /proc/<pid>/status.

Prints worker_rss_mb_w1000, worker_rss_mb_w10000 (and the peaks, the cache size used).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.bench_keys import bench_codec_env
from bench.quiet import install_quiet_runtime, start_dev_server
from integrations.crm_store.case_counts import read_case_counts
from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import StripeBilling
from tests.workflows.case_factory import SeededCase, seed_case
from worker.local_stack.processes import ChildProcess, child_env
from worker.local_stack.startup import has_poller
from worker.local_stack.stripe_sandbox import SANDBOX_API_KEY, StripeSandbox
from workflows.case.contract import case_workflow_id
from workflows.refund.workflow import RefundWorkflow

WAITING = (1000, 10_000)
CACHE = 1000
SINGLE_APPROVAL_CENTS = 18_000
WAVE = 250
FOREIGN_ENV_PREFIXES = ("TEMPORAL_", "SUPPORTFLOW_", "SLACK_", "STRIPE_", "DATABASE_URL")


def progress(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def proc_status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024  # kB
    raise SystemExit(f"bench: no {field} for pid {pid}")


def pending(store: CrmStore) -> int:
    with store.session() as session:
        return sum(a.count for a in read_case_counts(session).approvals)


async def reach(store: CrmStore, target: int) -> None:
    give_up = time.monotonic() + 600
    while (waiting := await asyncio.to_thread(pending, store)) < target:
        if time.monotonic() > give_up:
            raise SystemExit(f"bench: only {waiting}/{target} cases reached approval")
        await asyncio.sleep(0.5)


async def settle(store: CrmStore, target: int, pid: int) -> float:
    """Waits for `target` pending approvals, then for the worker's RSS to stop moving."""
    await reach(store, target)
    readings: list[float] = []
    while len(readings) < 3 or max(readings[-3:]) - min(readings[-3:]) > 2.0:
        await asyncio.sleep(2)
        readings.append(proc_status_mb(pid, "VmRSS"))
    return readings[-1]


async def main(waiting: tuple[int, ...] = WAITING, cache: int = CACHE) -> dict[str, float | int]:
    install_quiet_runtime()
    results: dict[str, float | int] = {"worker_rss_cache_size": cache}
    with tempfile.TemporaryDirectory() as tmp_dir, StripeSandbox() as sandbox:
        tmp = Path(tmp_dir)
        task_queue = f"bench-rss-{uuid.uuid4().hex[:8]}"
        database_url = f"sqlite:///{tmp / 'crm.db'}"
        store = CrmStore(database_url)
        store.migrate()
        billing = StripeBilling(SANDBOX_API_KEY, sandbox.base_url)
        env = await start_dev_server()
        overrides = {
            "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
            "TEMPORAL_NAMESPACE": env.client.namespace,
            "SUPPORTFLOW_TASK_QUEUE": task_queue,
            "DATABASE_URL": database_url,
            "STRIPE_API_KEY": SANDBOX_API_KEY,
            "STRIPE_API_BASE": sandbox.base_url,
            "SUPPORTFLOW_MAX_CACHED_WORKFLOWS": str(cache),
            # The waiting cases alone: no callback is registered, so delivery would only add
            # short-lived delivery workflows that close once idle.
            "SUPPORTFLOW_DELIVERY": "false",
            **bench_codec_env(),
        }
        worker = ChildProcess(
            "worker",
            [sys.executable, "-m", "worker.cli", "worker"],
            tmp / "worker.log",
            env=child_env(overrides, drop_prefixes=FOREIGN_ENV_PREFIXES),
            cwd=tmp,
        )
        async with env:
            worker.start()
            try:
                while not await has_poller(env.client, task_queue, worker.pid):
                    if worker.exit_code() is not None:
                        raise SystemExit(f"bench: worker did not start:\n{worker.log_tail()}")
                    await asyncio.sleep(0.2)
                assert worker.pid is not None
                results["worker_rss_mb_idle"] = round(proc_status_mb(worker.pid, "VmRSS"), 1)
                started = 0
                for target in waiting:
                    t0 = time.perf_counter()
                    while started < target:
                        count = min(WAVE, target - started)
                        cases = await asyncio.to_thread(_seed, store, billing, count)
                        await asyncio.gather(*(_start(env.client, task_queue, c) for c in cases))
                        started += count
                        await reach(store, started)
                        progress(f"{started}/{target} waiting ({time.perf_counter() - t0:.0f}s)")
                    rss = await settle(store, target, worker.pid)
                    results[f"worker_rss_mb_w{target}"] = round(rss, 1)
                    results[f"worker_rss_peak_mb_w{target}"] = round(
                        proc_status_mb(worker.pid, "VmHWM"), 1
                    )
                    progress(f"measured: w{target} rss={rss:.1f} MB")
            finally:
                worker.stop()
        store.dispose()
    return results


def _seed(store: CrmStore, billing: StripeBilling, count: int) -> list[SeededCase]:
    return [seed_case(store, billing, amount_cents=SINGLE_APPROVAL_CENTS) for _ in range(count)]


async def _start(client: object, task_queue: str, case: SeededCase) -> None:
    from temporalio.client import Client

    assert isinstance(client, Client)
    await client.start_workflow(
        RefundWorkflow.run,
        case.request,
        id=case_workflow_id(case.request.ticket_id),
        task_queue=task_queue,
    )


if __name__ == "__main__":
    # python -m bench.worker_rss [--cache N] [W ...]: other cache sizes, other waiting counts.
    args = sys.argv[1:]
    cache_size = CACHE
    if args[:1] == ["--cache"]:
        cache_size, args = int(args[1]), args[2:]
    sizes = tuple(int(a) for a in args) or WAITING
    for key, value in asyncio.run(main(sizes, cache_size)).items():
        print(f"{key}={value}", flush=True)
