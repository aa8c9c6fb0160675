"""Embedded triage latency with the example bank: `python -m bench.triage_bank`.

Every ticket of the regression set and the development set (1,100+ tickets, terse to long),
triaged ROUNDS times by `integrations.triage_engine.triage` with the full built-in bank, one at a
time on one thread; plus the 20,000-character bodies of the rules benchmark, because the bank's
index reads a ticket only up to its first 1,200 characters and that must hold. Wall-clock and
the triaging thread's CPU time are both printed, with the load average: on a shared machine the
wall-clock tail is mostly other processes. Also the time to
build the bank (once per worker process) and to rebuild it after a saved correction.
"""

from __future__ import annotations

import os
import statistics
import time

from evals.run import load_cases
from evals.sets import DEV_CASES
from integrations.example_bank import ExampleBank, default_examples
from integrations.triage_engine import default_engine, triage

ROUNDS = 3
LONG_BODY = ("The desk lamp from order 5001 arrived broken, I would like a refund please. " * 300)[
    :20_000
]


def _ms(samples: list[float], quantile: float) -> str:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, round(quantile * (len(ordered) - 1)))
    return f"{ordered[index] * 1000:.2f}"


def main() -> dict[str, str]:
    start = time.perf_counter()
    default_engine()
    build_s = time.perf_counter() - start
    cases = [*load_cases(), *load_cases(DEV_CASES)]
    samples: list[float] = []
    cpu: list[float] = []
    for _ in range(ROUNDS):
        for case in cases:
            start, start_cpu = time.perf_counter(), time.thread_time()
            triage(case.subject, case.text)
            samples.append(time.perf_counter() - start)
            cpu.append(time.thread_time() - start_cpu)
    long_samples = []
    for _ in range(10):
        start = time.perf_counter()
        triage("Refund", LONG_BODY)
        long_samples.append(time.perf_counter() - start)
    start = time.perf_counter()
    ExampleBank(default_examples())
    rebuild_s = time.perf_counter() - start
    return {
        "triage_bank_examples": str(len(default_engine().bank.examples)),
        "triage_bank_tickets_timed": str(len(samples)),
        "triage_ms_p50": _ms(samples, 0.5),
        "triage_ms_p99": _ms(samples, 0.99),
        "triage_ms_max": _ms(samples, 1.0),
        "triage_ms_mean": f"{statistics.fmean(samples) * 1000:.2f}",
        # CPU time of the triaging thread: what a ticket costs when the machine is shared.
        "triage_cpu_ms_p50": _ms(cpu, 0.5),
        "triage_cpu_ms_p99": _ms(cpu, 0.99),
        "load_average_1m": f"{os.getloadavg()[0]:.1f}",
        "triage_20k_body_ms_p50": _ms(long_samples, 0.5),
        "triage_bank_build_ms": f"{build_s * 1000:.0f}",
        "triage_bank_rebuild_ms": f"{rebuild_s * 1000:.0f}",
    }


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key}={value}", flush=True)
