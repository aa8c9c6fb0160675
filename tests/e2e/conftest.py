"""End-to-end fixtures: the real API served by uvicorn over loopback HTTP, the production worker
in process, the dev server, a SQLite CRM and the Stripe sandbox.

tests/api drives the same app through an in-memory ASGI transport; here every request crosses a
real socket, so uvicorn's lifespan, HTTP parsing and the status codes a backend actually sees are
part of what is tested.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from activities.chat import ChatActivities
from activities.policy import PolicyActivities
from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import StripeBilling
from tests.api_keys import CallerKeys
from tests.loopback_api import serve_api
from tests.stripe_fixtures import stripe_billing, stripe_sandbox
from worker.api import create_app
from worker.settings import Settings
from worker.worker_app import WorkerDeps, build_worker

__all__ = ["stripe_billing", "stripe_sandbox"]

TEMPORAL_UI_URL = "http://127.0.0.1:8233"


@pytest.fixture
def settings(task_queue: str, tmp_path: Path) -> Settings:
    """Explicit values only (no .env): a developer's own settings must not change the test."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        SUPPORTFLOW_TASK_QUEUE=task_queue,
        DATABASE_URL=f"sqlite:///{tmp_path / 'crm.db'}",
        TEMPORAL_UI_URL=TEMPORAL_UI_URL,
    )


@pytest_asyncio.fixture
async def case_worker(
    dev_server_env: WorkflowEnvironment,
    settings: Settings,
    task_queue: str,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
) -> AsyncIterator[None]:
    """The production worker with every workflow and activity; no Slack, so approvals are
    decided over the API, as on a deployment without a Slack app."""
    deps = WorkerDeps(
        store=crm_store,
        billing=stripe_billing,
        chat=ChatActivities(None, api_url="http://api.test", temporal_ui_url=TEMPORAL_UI_URL),
        policy=PolicyActivities(),
    )
    async with build_worker(dev_server_env.client, settings, deps=deps, task_queue=task_queue):
        yield


@pytest_asyncio.fixture
async def http(
    dev_server_env: WorkflowEnvironment,
    settings: Settings,
    crm_store: CrmStore,
    case_worker: None,
    api_keys: CallerKeys,
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the API, served by uvicorn on a free loopback port, sending the
    helpdesk system's key (decisions send a person's key instead)."""
    app = create_app(settings, temporal_client=dev_server_env.client, store=crm_store)
    async with (
        serve_api(app) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=30, headers=api_keys.system_headers) as client,
    ):
        yield client
