"""What payload encryption costs: refund throughput with the codec ÷ without, in one run.

Same machinery as bench/refund_throughput.py (auto-approve refunds with real activities: SQLite
CRM, Stripe sandbox, policy file) on one in-memory dev server. Two clients share the server
connection: one with the production data converter (pydantic + AES-256-GCM codec + encoded
failure attributes), one with plain pydantic payloads. Rounds alternate which goes first so
background load falls on both, after a warm-up of each. Prints codec_plain_per_s, codec_encrypted_per_s,
codec_throughput_ratio (target ≥ 0.9) and codec_payload_bytes_plain / _encrypted (one history) and codec_us_per_case (encrypt + decrypt
every payload of one refund history, CPU microseconds).
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
import time
from pathlib import Path

from temporalio.client import Client, WorkflowHistory

from activities.chat import ChatActivities
from activities.policy import PolicyActivities
from bench.history_stats import history_stats
from bench.quiet import install_quiet_runtime, start_dev_server
from bench.refund_throughput import progress, run_refunds
from integrations.codec_keys import StaticKeyRing
from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import StripeBilling
from tests.codec.personal_data import payloads_in
from tests.workflows.case_factory import seed_case
from worker.data_converter import data_converter, plain_data_converter
from worker.local_stack.stripe_sandbox import SANDBOX_API_KEY, StripeSandbox
from worker.worker_app import WorkerDeps

CASES_PER_ROUND = 40
ROUNDS = 4
WARM_UP = 10  # per mode, not counted: first workflow tasks, imports, connection pools


async def main(cases: int = CASES_PER_ROUND, rounds: int = ROUNDS) -> dict[str, float | int]:
    install_quiet_runtime()
    with tempfile.TemporaryDirectory() as tmp, StripeSandbox() as sandbox:
        store = CrmStore(f"sqlite:///{Path(tmp) / 'crm.db'}")
        store.migrate()
        billing = StripeBilling(SANDBOX_API_KEY, sandbox.base_url)
        total = 2 * (cases * rounds + WARM_UP)
        progress(f"seeding {total} auto-approve cases with real sandbox charges")
        requests = [seed_case(store, billing, amount_cents=2_500).request for _ in range(total)]
        deps = WorkerDeps(
            store=store,
            billing=billing,
            chat=ChatActivities(None, api_url="http://bench", temporal_ui_url="http://bench"),
            policy=PolicyActivities(),
        )
        progress("starting dev server")
        env = await start_dev_server()
        async with env:
            ring = StaticKeyRing({"bench": secrets.token_bytes(32)})
            clients = {
                "plain": Client(env.client.service_client, data_converter=plain_data_converter()),
                "encrypted": Client(
                    env.client.service_client, data_converter=data_converter(ring=ring)
                ),
            }
            for mode, client in clients.items():
                progress(f"warm-up: {WARM_UP} refund workflows, {mode} payloads")
                batch, requests = requests[:WARM_UP], requests[WARM_UP:]
                await run_refunds(client, deps, batch)
            elapsed = {"plain": 0.0, "encrypted": 0.0}
            samples: dict[str, str] = {}
            for number in range(rounds):
                order = ["plain", "encrypted"] if number % 2 == 0 else ["encrypted", "plain"]
                for mode in order:
                    batch, requests = requests[:cases], requests[cases:]
                    progress(f"round {number + 1}: {cases} refund workflows, {mode} payloads")
                    per_s, samples[mode] = await run_refunds(clients[mode], deps, batch)
                    elapsed[mode] += cases / per_s
            plain_history = await env.client.get_workflow_handle(samples["plain"]).fetch_history()
            codec_us = await codec_cost_us(ring, plain_history)
            sizes = {
                mode: history_stats(
                    await env.client.get_workflow_handle(workflow_id).fetch_history()
                )[1]
                for mode, workflow_id in samples.items()
            }
        store.dispose()
    plain_per_s = cases * rounds / elapsed["plain"]
    encrypted_per_s = cases * rounds / elapsed["encrypted"]
    return {
        "codec_plain_per_s": round(plain_per_s, 2),
        "codec_encrypted_per_s": round(encrypted_per_s, 2),
        "codec_throughput_ratio": round(encrypted_per_s / plain_per_s, 3),
        "codec_payload_bytes_plain": sizes["plain"],
        "codec_payload_bytes_encrypted": sizes["encrypted"],
        "codec_us_per_case": round(codec_us, 1),
    }


async def codec_cost_us(ring: StaticKeyRing, history: WorkflowHistory, repeat: int = 200) -> float:
    """CPU the codec spends on one refund case: encrypt and decrypt every payload its history
    carries, in microseconds (the throughput ratio is noisy on a shared machine; this is not)."""
    payloads = [p for event in history.events for p in payloads_in(event)]
    codec = data_converter(ring=ring).payload_codec
    assert codec is not None
    started = time.perf_counter()
    for _ in range(repeat):
        await codec.decode(await codec.encode(payloads))
    return (time.perf_counter() - started) / repeat * 1e6


if __name__ == "__main__":
    for key, value in asyncio.run(main()).items():
        print(f"{key}={value}")
