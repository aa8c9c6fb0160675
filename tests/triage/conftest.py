"""Fixtures for triage and ticket-workflow tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from tests.conftest import TEST_SERVER, register_search_attributes
from tests.triage.fake_openai import fake_openai

__all__ = ["fake_openai"]


@pytest_asyncio.fixture(scope="module")
async def ticket_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server per test module. Awaiting a result lets that server jump its clock
    to the next pending timer, including stale schedule-to-close timers of finished activities
    (days) and our 72 h clarification close; a private server keeps those jumps from ageing the
    wall-clock-dated orders other modules seed on the shared session server."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=pydantic_data_converter
    )
    await register_search_attributes(env.client)
    yield env
    await env.shutdown()
