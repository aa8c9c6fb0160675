"""`supportflow worker --processes N`: N worker processes sharing the task queue.

One Python worker uses about one core for workflow tasks (the GIL); more cores need more
processes. Each child is a plain `supportflow worker` with the same environment, so Temporal
spreads the task queue across them like across separate hosts. SIGINT/SIGTERM are passed to
every child, which shuts down gracefully (in-flight activities finish); the pool exits with
the worst child's exit code.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType

# Each child serves its SDK metrics on its own port: the base port plus the child's index.
METRICS_ADDRESS_VAR = "SUPPORTFLOW_WORKER_METRICS_ADDRESS"


def child_environment(index: int, base: dict[str, str]) -> dict[str, str]:
    env = dict(base)
    address = env.get(METRICS_ADDRESS_VAR)
    if address:
        host, _, port = address.rpartition(":")
        env[METRICS_ADDRESS_VAR] = f"{host}:{int(port) + index}"
    env["SUPPORTFLOW_WORKER_INDEX"] = str(index)
    return env


def run_pool(processes: int, command: list[str] | None = None) -> int:
    """Starts the children and waits for all of them; a child that dies is not restarted (a
    process supervisor - systemd, Kubernetes, compose `restart:` - owns that)."""
    argv = command or [sys.executable, "-m", "worker.cli", "worker"]
    children = [
        subprocess.Popen(argv, env=child_environment(i, dict(os.environ))) for i in range(processes)
    ]

    def forward(signum: int, _frame: FrameType | None) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while any(child.poll() is None for child in children):
            time.sleep(0.2)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return max(abs(child.returncode or 0) for child in children)
