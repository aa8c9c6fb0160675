"""`make bench`: every benchmark in one run, printed as key=value lines."""

from __future__ import annotations

import asyncio

from bench import (
    approval_latency,
    backtest,
    backtest_disputes,
    chargeback_webhooks,
    codec_throughput,
    delivery_throughput,
    handoff_claim,
    onboarding_steps,
    refund_throughput,
    report_cases,
    shopify_refunds,
    triage_bank,
    triage_knowledge,
    worker_rss,
)


def main() -> None:
    for benchmark in (
        refund_throughput,
        codec_throughput,
        approval_latency,
        chargeback_webhooks,
        onboarding_steps,
        handoff_claim,
        delivery_throughput,
        worker_rss,
    ):
        for key, value in asyncio.run(benchmark.main()).items():
            print(f"{key}={value}", flush=True)
    for synchronous in (
        triage_knowledge,
        triage_bank,
        shopify_refunds,
        backtest,
        backtest_disputes,
        report_cases,
    ):
        for key, text in synchronous.main().items():
            print(f"{key}={text}", flush=True)


if __name__ == "__main__":
    main()
