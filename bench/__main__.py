"""`make bench`: every benchmark in one run, printed as key=value lines."""

from __future__ import annotations

import asyncio

from bench import approval_latency, handoff_claim, refund_throughput, triage_knowledge


def main() -> None:
    for benchmark in (refund_throughput, approval_latency, handoff_claim):
        for key, value in asyncio.run(benchmark.main()).items():
            print(f"{key}={value}", flush=True)
    for key, text in triage_knowledge.main().items():
        print(f"{key}={text}", flush=True)


if __name__ == "__main__":
    main()
