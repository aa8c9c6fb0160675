"""A time-skipping server per module for hand-off tests: SLA timers of hours and a reopen
window of days pass in milliseconds, without ageing what other modules seed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from activities.knowledge import KnowledgeActivities
from integrations.crm_store import CrmStore
from tests.conftest import TEST_SERVER, register_search_attributes
from tests.review.handoff_steps import end_open_cases
from tests.triage.ticket_harness import TicketRunner, demo_knowledge, seeded_store, ticket_worker


@pytest_asyncio.fixture(scope="module")
async def ticket_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=pydantic_data_converter
    )
    await register_search_attributes(env.client)
    yield env
    await env.shutdown()


@pytest.fixture
def store(tmp_path: Path) -> CrmStore:
    return seeded_store(tmp_path)


@pytest.fixture
def knowledge(tmp_path: Path) -> KnowledgeActivities:
    return demo_knowledge(tmp_path)


@pytest_asyncio.fixture
async def tickets(
    ticket_env: WorkflowEnvironment,
    task_queue: str,
    store: CrmStore,
    knowledge: KnowledgeActivities,
) -> AsyncIterator[TicketRunner]:
    """A worker for TicketWorkflow (no cache: every task replays); open cases are ended after."""
    async with ticket_worker(ticket_env.client, task_queue, store, knowledge) as runner:
        yield runner
    await end_open_cases(runner)
