"""A time-skipping server per module for hand-off tests: SLA timers of hours and a reopen
window of days pass in milliseconds, without ageing what other modules seed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from tests.conftest import TEST_SERVER, register_search_attributes
from tests.triage.ticket_harness import knowledge, store, tickets


@pytest_asyncio.fixture(scope="module")
async def ticket_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=pydantic_data_converter
    )
    await register_search_attributes(env.client)
    yield env
    await env.shutdown()


__all__ = ["knowledge", "store", "tickets"]
