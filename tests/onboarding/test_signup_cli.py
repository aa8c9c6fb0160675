"""`supportflow onboarding` as an operator runs it, against the dev server and a real worker:
start, submit steps (a refused step exits 1 with its field errors), status, and the funnel read
from the CRM after real runs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from integrations.crm_store import CrmStore
from integrations.crm_store.keys import ONBOARDING_WRITE
from tests.cli.conftest import invoke
from tests.onboarding.conftest import ADDRESS, CONTACT, PAYMENT, PLAN
from worker.settings import get_settings

pytestmark = pytest.mark.slow


@pytest.fixture
def signup_cli(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    dev_server_env: WorkflowEnvironment,
    database_url: str,
    task_queue: str,
    crm_store: CrmStore,
    dev_worker: None,
) -> Iterator[None]:
    key = crm_store.create_api_key("signup-cli", "system", scopes=[ONBOARDING_WRITE]).key
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "TEMPORAL_ADDRESS": dev_server_env.client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": "default",
        "DATABASE_URL": database_url,
        "SUPPORTFLOW_TASK_QUEUE": task_queue,
        "SUPPORTFLOW_KEY": key,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _fields(fields: dict[str, str]) -> list[str]:
    return [arg for k, v in fields.items() for arg in ("--field", f"{k}={v}")]


async def _status(app_id: str) -> dict[str, object]:
    result = await invoke("onboarding", "status", app_id, "--json")
    assert result.exit_code == 0, result.output
    view: dict[str, object] = json.loads(result.output)
    return view


async def _until(app_id: str, state: str) -> dict[str, object]:
    view = await _status(app_id)
    for _ in range(300):
        view = await _status(app_id)
        steps = view["steps"]
        assert isinstance(steps, list)
        if view["state"] == state and all(s["state"] != "submitted" for s in steps):
            return view
        await asyncio.sleep(0.1)
    raise AssertionError(view)


async def test_signup_from_the_cli_then_the_funnel(signup_cli: None) -> None:
    started = await invoke("onboarding", "start", "CLI-1")
    assert started.exit_code == 0, started.output
    assert "started signup onboarding-CLI-1" in started.output
    await _until("CLI-1", "awaiting_customer")

    refused = await invoke("onboarding", "step", "CLI-1", "contact", "--field", "email=x")
    assert refused.exit_code == 1
    assert "email: not a valid email" in refused.output and "full_name: required" in refused.output
    usage = await invoke("onboarding", "step", "CLI-1", "contact", "--field", "email")
    assert usage.exit_code == 2

    contact = CONTACT | {"email": "cli1@example.com"}
    for step, fields in (("contact", contact), ("address", ADDRESS), ("plan", PLAN)):
        done = await invoke("onboarding", "step", "CLI-1", step, *_fields(fields))
        assert done.exit_code == 0, done.output
    await _until("CLI-1", "awaiting_customer")
    await invoke("onboarding", "step", "CLI-1", "payment", *_fields(PAYMENT))
    view = await _until("CLI-1", "resolved")
    assert view["account_id"] == "acct-CLI-1"

    await invoke("onboarding", "start", "CLI-2")
    await _until("CLI-2", "awaiting_customer")
    funnel = await invoke("onboarding", "funnel", "--json")
    assert funnel.exit_code == 0, funnel.output
    figures = json.loads(funnel.output)
    assert (figures["started"], figures["completed"], figures["open"]) == (2, 1, 1)
    assert figures["completion_rate"] == 0.5
    assert [s["done"] for s in figures["steps"]] == [1, 1, 1, 1]
    assert figures["median_hours_to_complete"] is not None
    text = await invoke("onboarding", "funnel")
    assert "completion_rate=50.0%" in text.output
