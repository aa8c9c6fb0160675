"""API test fixtures: the real app over ASGI, a real dev server, a real CRM store on SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from integrations.crm_store import CrmStore
from tests.api.standin import StandInRefundWorkflow
from worker.api import create_app
from worker.settings import Settings

API_TOKEN = "test-approvals-token"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def make_settings(task_queue: str, database_url: str) -> Settings:
    """Settings from explicit values only, so a developer's .env never leaks into tests."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        SUPPORTFLOW_TASK_QUEUE=task_queue,
        DATABASE_URL=database_url,
        SUPPORTFLOW_API_TOKEN=API_TOKEN,
        TEMPORAL_UI_URL="http://ui.test:8233",
    )


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'crm.db'}"


@pytest.fixture
def crm_store(database_url: str) -> Iterator[CrmStore]:
    store = CrmStore(database_url)
    store.migrate()
    yield store
    store.dispose()


@pytest.fixture
def settings(task_queue: str, database_url: str) -> Settings:
    return make_settings(task_queue, database_url)


@pytest_asyncio.fixture
async def case_worker(
    dev_server_env: WorkflowEnvironment, task_queue: str
) -> AsyncIterator[Worker]:
    worker = Worker(dev_server_env.client, task_queue=task_queue, workflows=[StandInRefundWorkflow])
    async with worker:
        yield worker


@pytest_asyncio.fixture
async def api(
    dev_server_env: WorkflowEnvironment, settings: Settings, crm_store: CrmStore
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, temporal_client=dev_server_env.client, store=crm_store)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        yield client


def ticket_body(ticket_id: str, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "ticket_id": ticket_id,
        "process": "refund",
        "customer_id": "cus_ada",
        "order_id": "ord_1001",
        "subject": "Broken kettle",
        "body": "It arrived cracked.",
        "requested_by": "customer",
        "requested_amount_cents": 2500,
        "channel": "api",
    }
    body.update(overrides)
    return body
