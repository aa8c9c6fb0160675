"""Keeps a benchmark's stdout to key=value lines, so callers can parse it."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.testing import WorkflowEnvironment

from bench.bench_keys import bench_data_converter
from workflows.search_attributes import ALL_KEYS


def install_quiet_runtime() -> None:
    """The SDK core logs warnings to the console (e.g. long workflow tasks while a benchmark
    saturates the worker) unless told otherwise."""
    telemetry = TelemetryConfig(
        logging=LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))
    )
    Runtime.set_default(Runtime(telemetry=telemetry), error_if_already_set=False)


@contextmanager
def child_stdout_to_stderr() -> Iterator[None]:
    """Spawned processes inherit stderr as their stdout. The dev server prints a banner on its
    stdout, which would otherwise land among the key=value lines a caller parses."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


async def start_dev_server() -> WorkflowEnvironment:
    """The packaged Temporal dev server (in memory) with our search attributes, its banner kept
    off stdout; its client encrypts with the run's throwaway key (bench/bench_keys.py)."""
    with child_stdout_to_stderr():
        return await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
            data_converter=bench_data_converter(),
            search_attributes=ALL_KEYS,
            dev_server_log_level="error",
        )
