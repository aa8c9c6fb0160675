"""CLI tests reuse the API fixtures (dev server, real worker, CRM store, Stripe sandbox) and point
the CLI's settings and Temporal connection at them through the environment, as a user would."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from tests.api.conftest import (
    case_worker,
    seed_order,
    settings,
    stripe_billing,
    stripe_sandbox,
)
from tests.api_keys import CallerKeys
from worker.cli import app
from worker.settings import get_settings

__all__ = [
    "case_worker",
    "seed_order",
    "settings",
    "stripe_billing",
    "stripe_sandbox",
]


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    dev_server_env: WorkflowEnvironment,
    database_url: str,
    task_queue: str,
    api_keys: CallerKeys,
) -> Iterator[None]:
    """The CLI as an operator runs it: SUPPORTFLOW_KEY is the helpdesk system's key (file,
    read, reply); decisions pass a person's `--key`."""
    monkeypatch.chdir(tmp_path)  # no developer .env
    for name, value in {
        "TEMPORAL_ADDRESS": dev_server_env.client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": "default",
        "DATABASE_URL": database_url,
        "SUPPORTFLOW_TASK_QUEUE": task_queue,
        "SUPPORTFLOW_KEY": api_keys.system,
        "TEMPORAL_UI_URL": "http://ui.test:8233",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def invoke(*args: str) -> Result:
    """Runs the CLI in a thread: it calls asyncio.run itself, while the test's event loop keeps
    the worker fixture polling."""
    return await asyncio.to_thread(CliRunner().invoke, app, list(args))
