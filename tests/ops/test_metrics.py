"""GET /metrics: business metrics read from the CRM that real cases wrote, webhook deliveries
counted where they arrive, a scrape key required; and the worker's Temporal SDK metrics."""

from __future__ import annotations

import socket
import uuid

import httpx
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from integrations.crm_store import CrmStore
from integrations.crm_store.keys import METRICS_READ
from tests.api.conftest import APPROVAL_AMOUNT, AUTO_AMOUNT, SeedOrder, new_ticket_id, order_ticket
from tests.api.test_tickets import poll_state
from tests.api_keys import CallerKeys
from tests.ops.sdk_metrics_workflow import GreetCustomer
from worker.metrics_business import CrmCollector, business_registry
from worker.telemetry import prometheus_runtime


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def scrape_key(store: CrmStore) -> dict[str, str]:
    key = store.create_api_key(f"prom-{uuid.uuid4().hex[:6]}", "system", scopes=[METRICS_READ])
    return CallerKeys.bearer(key.key)


async def test_metrics_count_the_cases_the_crm_recorded(
    api: httpx.AsyncClient, case_worker: Worker, seed_order: SeedOrder, crm_store: CrmStore
) -> None:
    auto, waiting = seed_order(AUTO_AMOUNT), seed_order(APPROVAL_AMOUNT)
    auto_id, waiting_id = new_ticket_id(), new_ticket_id()
    assert (await api.post("/tickets", json=order_ticket(auto, auto_id))).status_code == 202
    assert (await api.post("/tickets", json=order_ticket(waiting, waiting_id))).status_code == 202
    await poll_state(api, auto_id, "resolved")
    await poll_state(api, waiting_id, "awaiting_approval")

    response = await api.get("/metrics", headers=scrape_key(crm_store))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    refund = frozenset({("process", "refund")})
    assert found[("supportflow_crm_up", frozenset())] == 1
    assert found[("supportflow_cases_started_total", refund)] == 2
    assert found[("supportflow_cases_resolved", refund)] == 1
    assert found[("supportflow_cases_escalated", refund)] == 0
    usd = frozenset({("currency", "usd")})
    assert found[("supportflow_money_refunded_cents_total", usd)] == AUTO_AMOUNT
    assert found[("supportflow_refunds_total", usd)] == 1
    pending = {k: v for k, v in found.items() if k[0] == "supportflow_approvals_pending"}
    assert sum(pending.values()) == 1
    ages = [
        v for k, v in found.items() if k[0] == "supportflow_approval_oldest_pending_age_seconds"
    ]
    assert len(ages) == 1 and 0 <= ages[0] < 600


async def test_metrics_need_the_scrape_scope(api: httpx.AsyncClient) -> None:
    helpdesk = await api.get("/metrics")  # the helpdesk key: tickets only
    assert helpdesk.status_code == 403
    assert helpdesk.json()["error"] == "insufficient_scope"
    anonymous = await api.get("/metrics", headers={"Authorization": ""})
    assert anonymous.status_code == 401


async def test_webhook_deliveries_are_counted_received_and_rejected(
    api: httpx.AsyncClient, crm_store: CrmStore
) -> None:
    for _ in range(2):
        forged = await api.post(
            "/webhooks/shopify",
            content=b'{"id": 1}',
            headers={"X-Shopify-Hmac-Sha256": "forged", "X-Shopify-Topic": "refunds/create"},
        )
        assert forged.status_code >= 400
    found = samples((await api.get("/metrics", headers=scrape_key(crm_store))).text)
    shopify = frozenset({("vendor", "shopify")})
    assert found[("supportflow_webhook_events_received_total", shopify)] == 2
    rejected = frozenset({("vendor", "shopify"), ("status", str(forged.status_code))})
    assert found[("supportflow_webhook_events_rejected_total", rejected)] == 2


def test_a_crm_that_does_not_answer_reads_as_down_not_as_an_error(tmp_path: object) -> None:
    broken = CrmStore("sqlite:////nonexistent-dir/for/metrics.db")
    registry, _, _ = business_registry(lambda: broken)
    from prometheus_client import generate_latest

    found = samples(generate_latest(registry).decode())
    assert found[("supportflow_crm_up", frozenset())] == 0
    assert not any(name == "supportflow_cases" for name, _ in found)
    assert isinstance(registry._collector_to_names, dict)  # the collector stayed registered
    assert CrmCollector  # imported for the docs' sake: the collector is the public type


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_worker_runtime_serves_temporal_sdk_metrics(
    dev_server_env: WorkflowEnvironment, task_queue: str
) -> None:
    address = f"127.0.0.1:{free_port()}"
    runtime = prometheus_runtime(address)
    target = dev_server_env.client.service_client.config.target_host
    client = await Client.connect(target, runtime=runtime)
    async with Worker(client, task_queue=task_queue, workflows=[GreetCustomer]):
        result = await client.execute_workflow(
            GreetCustomer.run, "Ada", id=f"greet-{uuid.uuid4()}", task_queue=task_queue
        )
        assert result == "Hello, Ada"
        async with httpx.AsyncClient() as http:
            text = (await http.get(f"http://{address}/metrics")).text
    names = {family.name for family in text_string_to_metric_families(text)}
    assert "temporal_workflow_completed" in names, sorted(names)[:40]
    assert "temporal_sticky_cache_size" in names
    assert "temporal_workflow_task_execution_latency" in names
