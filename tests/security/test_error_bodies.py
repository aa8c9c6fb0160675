"""Health and error bodies say what failed, never the exception behind it.

Exception text names hosts, namespaces, file paths and SQL: on a public health check or an
error answer it tells an attacker what runs behind the API. Each test makes Temporal or the CRM
database fail with a distinctive message and checks that no response body carries it, while the
body still says which system failed with a stable code.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from integrations.crm_store import CrmStore
from tests.api.conftest import make_settings, ticket_body
from tests.api_keys import CallerKeys
from worker.api import create_app

CASE_CALLS = [
    ("post", "/tickets", ticket_body("T-leak-1")),
    ("get", "/tickets/T-leak-1", None),
    ("post", "/tickets/T-leak-1/replies", {"text": "Here is my order number."}),
]


async def _call_all(client: httpx.AsyncClient) -> list[httpx.Response]:
    responses = [await client.get("/healthz")]
    for method, path, body in CASE_CALLS:
        responses.append(await client.request(method, path, json=body))
    return responses


def _assert_no_leak(responses: list[httpx.Response], *secrets: str) -> None:
    for response in responses:
        for secret in secrets:
            assert secret.lower() not in response.text.lower(), (
                f"{response.request.method} {response.request.url.path} -> "
                f"{response.status_code} leaks {secret!r}: {response.text}"
            )


@pytest_asyncio.fixture
async def serve() -> AsyncIterator[Any]:
    clients: list[httpx.AsyncClient] = []

    def make(app: Any, headers: dict[str, str]) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        client = httpx.AsyncClient(transport=transport, base_url="http://api.test", headers=headers)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def test_missing_namespace_text_stays_in_the_log(
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
    database_url: str,
    api_keys: CallerKeys,
    serve: Any,
) -> None:
    """A real server refusing every call: its NOT_FOUND message names the namespace."""
    namespace = f"ns-secret-{uuid.uuid4().hex[:8]}"
    client = await Client.connect(
        dev_server_env.client.service_client.config.target_host, namespace=namespace
    )
    settings = make_settings("tq-leak", database_url)
    app = create_app(settings, temporal_client=client, store=crm_store)
    responses = await _call_all(serve(app, api_keys.system_headers))
    _assert_no_leak(responses, namespace, "not found")
    started = responses[1]
    assert started.status_code == 503, started.text
    assert started.json()["error"] == "temporal_unavailable"


async def test_unreachable_temporal_text_stays_in_the_log(
    crm_store: CrmStore,
    database_url: str,
    api_keys: CallerKeys,
    serve: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No client injected: the API dials TEMPORAL_ADDRESS, a host that cannot resolve."""
    host = f"temporal-secret-{uuid.uuid4().hex[:8]}.invalid"
    monkeypatch.setenv("TEMPORAL_ADDRESS", f"{host}:7233")
    app = create_app(make_settings("tq-leak", database_url), store=crm_store)
    health, *calls = await _call_all(serve(app, api_keys.system_headers))
    _assert_no_leak([health, *calls], host, "secret", "transport", "dns")
    assert health.status_code == 503
    assert health.json()["temporal"] == "unavailable"
    assert health.json()["database"] == "ok"
    assert [p["error"] for p in health.json()["problems"]] == ["temporal_unavailable"]
    for response in calls:
        assert response.status_code == 503, response.text
        assert response.json()["error"] == "temporal_unavailable"
        assert response.json()["message"]


async def test_broken_database_text_stays_in_the_log(
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
    database_url: str,
    api_keys: CallerKeys,
    serve: Any,
) -> None:
    """The CRM's tickets table is gone (a botched migration): SQLAlchemy's message carries the
    SQL statement and its parameters. Keys live in another table, so callers still authenticate."""
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
        db.execute("ALTER TABLE tickets RENAME TO tickets_secret_backup")
    app = create_app(
        make_settings("tq-leak", database_url),
        temporal_client=dev_server_env.client,
        store=crm_store,
    )
    client = serve(app, api_keys.system_headers)
    health = await client.get("/healthz")
    read = await client.get("/tickets/T-leak-2")
    _assert_no_leak([health, read], "no such table", "select", "sqlite", "healthz-probe", "[sql")
    assert health.status_code == 503
    assert health.json()["database"] == "unavailable"
    assert health.json()["temporal"] == "ok"
    assert [p["error"] for p in health.json()["problems"]] == ["database_unavailable"]
    assert read.status_code == 503, read.text
    assert read.json()["error"] == "database_unavailable"
