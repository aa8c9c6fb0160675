"""One trace from the API request to the worker's activities, through Temporal's headers, and
JSON log lines that name the ticket, the workflow and the run."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities.chat import ChatActivities
from activities.policy import PolicyActivities
from integrations.crm_store import CrmStore
from integrations.stripe_billing import StripeBilling
from tests.api.conftest import AUTO_AMOUNT, SeedOrder, new_ticket_id, order_ticket
from tests.api.test_tickets import poll_state
from tests.api_keys import CallerKeys
from tests.triage.ticket_harness import demo_knowledge
from worker.api import create_app
from worker.logging_json import JsonFormatter, configure_logging, ticket_from_workflow_id
from worker.settings import Settings
from worker.telemetry import client_interceptors, configure_tracing, otlp_tracer_provider
from worker.ticket_activities import ticket_activity_list
from worker.worker_app import WorkerDeps, build_worker

EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    """The process's tracer provider exports to memory (OpenTelemetry allows one per process;
    the FastAPI instrumentation and Temporal's interceptor both resolve it lazily)."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
    trace.set_tracer_provider(provider)
    yield EXPORTER


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest_asyncio.fixture
async def traced_api(
    dev_server_env: WorkflowEnvironment,
    settings: Settings,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    api_keys: CallerKeys,
    tmp_path: Path,
    spans: InMemorySpanExporter,
) -> AsyncIterator[httpx.AsyncClient]:
    """API and worker on a client carrying the tracing interceptor, as connect_temporal makes."""
    client = Client(**{**dev_server_env.client.config(), "interceptors": client_interceptors()})
    deps = WorkerDeps(
        store=crm_store,
        billing=stripe_billing,
        chat=ChatActivities(None, api_url="http://api.test", temporal_ui_url="http://ui.test"),
        policy=PolicyActivities(),
        ticket=ticket_activity_list(crm_store, settings, knowledge=demo_knowledge(tmp_path)),
    )
    app = create_app(settings, temporal_client=client, store=crm_store)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        build_worker(client, settings, deps=deps),
        httpx.AsyncClient(
            transport=transport, base_url="http://api.test", headers=api_keys.system_headers
        ) as http,
    ):
        yield http


def _trace_of(found: list[ReadableSpan], name: str) -> int:
    matching = [s for s in found if s.name == name]
    assert matching, sorted({s.name for s in found})
    context = matching[0].context
    assert context is not None
    return context.trace_id


async def test_one_trace_runs_from_the_request_to_the_refund(
    traced_api: httpx.AsyncClient, seed_order: SeedOrder, spans: InMemorySpanExporter
) -> None:
    spans.clear()
    handler = Lines()
    logging.getLogger().addHandler(handler)
    level = logging.getLogger().level
    logging.getLogger().setLevel(logging.INFO)
    try:
        order = seed_order(AUTO_AMOUNT)
        ticket_id = new_ticket_id()
        filed = await traced_api.post("/tickets", json=order_ticket(order, ticket_id))
        assert filed.status_code == 202, filed.text
        await poll_state(traced_api, ticket_id, "resolved")
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(level)

    found = list(spans.get_finished_spans())
    request = _trace_of(found, "POST /tickets")
    assert _trace_of(found, "StartWorkflow:RefundWorkflow") == request
    assert _trace_of(found, "RunWorkflow:RefundWorkflow") == request
    assert _trace_of(found, "RunActivity:issue_refund") == request
    # Polling GET /tickets/{ticket_id} is named by its route, never by the ticket id.
    assert not any(ticket_id in s.name for s in found)

    workflow_id = f"ticket-{ticket_id}"
    opened = [line for line in handler.lines if "Opened case" in str(line["message"])]
    assert opened, [line["message"] for line in handler.lines][:20]
    line = opened[0]
    assert line["ticket_id"] == ticket_id
    assert line["workflow_id"] == workflow_id
    assert line["run_id"] and line["activity_type"] == "open_case"
    assert line["trace_id"] == format(request, "032x")
    decided = [line for line in handler.lines if "Policy" in str(line["message"])]
    assert decided and decided[0]["workflow_type"] == "RefundWorkflow"
    assert decided[0]["ticket_id"] == ticket_id and decided[0]["run_id"] == line["run_id"]


@pytest.mark.parametrize(
    ("workflow_id", "ticket"),
    [
        ("ticket-T-1", "T-1"),
        ("refund-of-ticket-T-1", "T-1"),
        ("ticket-T-1-refund", "T-1"),
        ("onboarding-abc", None),
        (None, None),
    ],
)
def test_the_ticket_is_read_off_the_workflow_id(
    workflow_id: str | None, ticket: str | None
) -> None:
    assert ticket_from_workflow_id(workflow_id) == ticket


def test_json_lines_keep_extra_fields_and_exceptions(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        configure_logging("json", "INFO")
        configure_logging("json", "INFO")  # a second call replaces its handler, adds none
        assert len(root.handlers) == len(handlers) + 1
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("supportflow.test").exception("failed", extra={"ticket_id": "T-9"})
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
        assert line["ticket_id"] == "T-9" and line["level"] == "ERROR"
        assert "ValueError: boom" in line["exception"]
    finally:  # the rest of the suite logs as before (pytest's own capture included)
        root.handlers, root.level = handlers, level


def test_traces_are_exported_only_when_an_endpoint_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    assert configure_tracing("supportflow-test") is None


def test_spans_reach_an_otlp_collector_over_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """A loopback collector receives the OTLP/HTTP export (protobuf on /v1/traces)."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    received: list[ExportTraceServiceRequest] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append(ExportTraceServiceRequest.FromString(body))
            assert self.path == "/v1/traces"
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    try:
        provider = otlp_tracer_provider("supportflow-test")
        with provider.get_tracer("test").start_as_current_span("refund-decided"):
            pass
        assert provider.force_flush(5000)
        provider.shutdown()
    finally:
        server.shutdown()
    spans_sent = [
        (
            span.name,
            next(
                a.value.string_value
                for a in resource.resource.attributes
                if a.key == "service.name"
            ),
        )
        for request in received
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    assert ("refund-decided", "supportflow-test") in spans_sent
