"""`make bench`: every benchmark in one run, printed as key=value lines."""

from __future__ import annotations

import asyncio

from bench import (
    approval_latency,
    chargeback_webhooks,
    handoff_claim,
    onboarding_steps,
    refund_throughput,
    shopify_refunds,
    triage_knowledge,
    worker_rss,
)


def main() -> None:
    for benchmark in (
        refund_throughput,
        approval_latency,
        chargeback_webhooks,
        onboarding_steps,
        handoff_claim,
        worker_rss,
    ):
        for key, value in asyncio.run(benchmark.main()).items():
            print(f"{key}={value}", flush=True)
    for synchronous in (triage_knowledge, shopify_refunds):
        for key, text in synchronous.main().items():
            print(f"{key}={text}", flush=True)


if __name__ == "__main__":
    main()
