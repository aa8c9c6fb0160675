"""Traces and SDK metrics for on-call: OpenTelemetry through Temporal's tracing interceptor and
the FastAPI instrumentation, the Temporal SDK's own metrics for Prometheus.

Traces are exported by OTLP/HTTP only when OTEL_EXPORTER_OTLP_ENDPOINT (or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; otherwise spans go to whatever tracer provider the
process has (none: OpenTelemetry's no-op), so an unconfigured deployment pays nothing.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from temporalio.client import Interceptor
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

log = logging.getLogger("supportflow.telemetry")

OTLP_ENDPOINT_VARS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def client_interceptors() -> list[Interceptor]:
    """Every Temporal client carries the tracing interceptor: the API's start/update calls and
    the worker's workflows and activities join one trace through the Temporal headers. Workflow
    spans are created only on first execution, never on replay, so histories are unchanged."""
    return [TracingInterceptor()]


def configure_tracing(service_name: str) -> TracerProvider | None:
    """Installs an OTLP-exporting tracer provider when an endpoint is configured; the exporter
    reads the standard OTEL_EXPORTER_OTLP_* variables (headers, timeout, certificate)."""
    if not any(os.environ.get(name) for name in OTLP_ENDPOINT_VARS):
        return None
    provider = otlp_tracer_provider(service_name)
    trace.set_tracer_provider(provider)
    return provider


def otlp_tracer_provider(service_name: str) -> TracerProvider:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    service = os.environ.get("OTEL_SERVICE_NAME") or service_name
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    log.info("exporting traces by OTLP as %s", service)
    return provider


def instrument_api(app: Any) -> None:
    """Spans for every API request (route template as the name, never the raw path with ticket
    ids); /healthz and /metrics are left out, they are polled every few seconds."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,metrics")


def install_worker_runtime(metrics_address: str | None) -> Runtime | None:
    """The SDK runtime with its metrics (task latencies, slots, sticky cache, polls) served for
    Prometheus at `host:port`. Must run before the first client connects: the default runtime
    is fixed once used."""
    if not metrics_address:
        return None
    runtime = prometheus_runtime(metrics_address)
    Runtime.set_default(runtime, error_if_already_set=False)
    log.info("Temporal SDK metrics for Prometheus on http://%s/metrics", metrics_address)
    return runtime


def prometheus_runtime(metrics_address: str) -> Runtime:
    return Runtime(
        telemetry=TelemetryConfig(
            metrics=PrometheusConfig(bind_address=metrics_address, durations_as_seconds=True)
        )
    )
