"""Keeps stdout to key=value lines: the SDK core logs warnings (e.g. long workflow tasks while
the benchmark saturates the worker) to the console unless told otherwise."""

from __future__ import annotations

from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter


def install_quiet_runtime() -> None:
    telemetry = TelemetryConfig(
        logging=LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))
    )
    Runtime.set_default(Runtime(telemetry=telemetry), error_if_already_set=False)
