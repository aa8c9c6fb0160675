"""Signups end to end over HTTP: the real API on loopback (uvicorn), the production worker on the
dev server, the SQLite CRM with the demo catalogue and the Stripe sandbox. A signup front end
holds an `onboarding:write` key; an approver decides the exception with their person key."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from integrations.crm_onboarding import OnboardingCrm
from integrations.crm_store import CrmStore
from integrations.crm_store.keys import ONBOARDING_WRITE
from integrations.stripe_onboarding import StripeOnboarding
from tests.api_keys import CallerKeys
from tests.loopback_api import serve_api
from tests.onboarding.conftest import ADDRESS, CONTACT, PAYMENT
from worker.api import create_app
from worker.settings import Settings

pytestmark = pytest.mark.slow
DEADLINE_SECONDS = 60.0


@pytest.fixture
def settings(task_queue: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        SUPPORTFLOW_TASK_QUEUE=task_queue,
        DATABASE_URL=f"sqlite:///{tmp_path / 'crm.db'}",
        TEMPORAL_UI_URL="http://127.0.0.1:8233",
    )


@pytest_asyncio.fixture
async def http(
    dev_server_env: WorkflowEnvironment,
    settings: Settings,
    crm_store: CrmStore,
    dev_worker: None,
    api_keys: CallerKeys,
) -> AsyncIterator[httpx.AsyncClient]:
    key = crm_store.create_api_key(
        "signup-web", "system", scopes=[ONBOARDING_WRITE], created_by="tests"
    ).key
    app = create_app(settings, temporal_client=dev_server_env.client, store=crm_store)
    async with (
        serve_api(app) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=30, headers=CallerKeys.bearer(key)) as client,
    ):
        yield client


async def _poll(http: httpx.AsyncClient, app_id: str, ready: Any) -> dict[str, Any]:
    give_up = time.monotonic() + DEADLINE_SECONDS
    view: dict[str, Any] = {}
    while time.monotonic() < give_up:
        response = await http.get(f"/onboarding/{app_id}")
        assert response.status_code == 200, response.text
        view = response.json()
        if ready(view):
            return view
        await asyncio.sleep(0.1)
    raise AssertionError(f"signup {app_id} never got there: {view}")


def _settled(view: dict[str, Any]) -> bool:
    return view["state"] not in ("received", "in_process") and all(
        s["state"] != "submitted" for s in view["steps"]
    )


async def test_signup_over_http_with_an_exception_decided_by_a_person(
    http: httpx.AsyncClient,
    api_keys: CallerKeys,
    crm_store: CrmStore,
    signup_stripe: StripeOnboarding,
) -> None:
    started = await http.post("/onboarding", json={"application_id": "WEB-1"})
    assert started.status_code == 201, started.text
    assert started.json()["temporal_ui_url"].endswith("/workflows/onboarding-WEB-1")
    again = await http.post("/onboarding", json={"application_id": "WEB-1"})
    assert again.status_code == 200 and again.json()["existing"] is True
    view = await _poll(http, "WEB-1", _settled)
    assert view["next_step"] == "contact"

    bad = await http.post("/onboarding/WEB-1/steps/contact", json={"fields": {"email": "nope"}})
    assert bad.status_code == 422
    assert bad.json()["fields"] == {"email": "not a valid email", "full_name": "required"}
    unknown = await http.post("/onboarding/WEB-1/steps/wishes", json={"fields": {}})
    assert unknown.status_code == 422 and unknown.json()["error"] == "invalid_step"

    contact = CONTACT | {"email": "web1@example.com"}
    ok = await http.post("/onboarding/WEB-1/steps/contact", json={"fields": contact})
    assert ok.status_code == 200 and ok.json()["next_step"] == "address"
    await http.post("/onboarding/WEB-1/steps/address", json={"fields": ADDRESS})
    await http.post(
        "/onboarding/WEB-1/steps/plan",
        json={"fields": {"plan_id": "max_5g", "device_model": "iphone-16"}},
    )
    view = await _poll(http, "WEB-1", lambda v: v["state"] == "awaiting_approval")
    assert view["failed_check"] == "compatibility"
    assert "plus_5g" in view["recommendation"]

    # A calling system never decides; the approver does, with their own key.
    decided = await http.post(
        "/tickets/onboarding-WEB-1/approvals",
        json={"decision": "approve", "reason": "coverage confirmed"},
        headers=api_keys.person("carol"),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    await _poll(http, "WEB-1", lambda v: v["steps"][2]["state"] == "done")
    await http.post("/onboarding/WEB-1/steps/payment", json={"fields": PAYMENT})
    view = await _poll(http, "WEB-1", lambda v: v["state"] == "resolved")
    assert view["subscription_id"] and view["account_id"] == "acct-WEB-1"

    closed = await http.post("/onboarding/WEB-1/steps/payment", json={"fields": PAYMENT})
    assert closed.status_code == 409 and closed.json()["error"] == "onboarding_closed"
    assert len(signup_stripe.customers_for("WEB-1", contact["email"])) == 1
    assert len(OnboardingCrm(crm_store).accounts_for("WEB-1")) == 1


async def test_bad_requests_get_clear_4xx_answers(
    http: httpx.AsyncClient, api_keys: CallerKeys
) -> None:
    missing = await http.get("/onboarding/NO-SUCH-APP")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    step_missing = await http.post("/onboarding/NO-SUCH-APP/steps/contact", json={"fields": {}})
    assert step_missing.status_code == 404
    bad_id = await http.post("/onboarding", json={"application_id": "../etc"})
    assert bad_id.status_code == 422
    extra = await http.post("/onboarding", json={"application_id": "A1", "plan": "x"})
    assert extra.status_code == 422
    helpdesk = await http.get("/onboarding/A1", headers=api_keys.system_headers)
    assert helpdesk.status_code == 403  # no onboarding:write scope
    anonymous = await http.get("/onboarding/A1", headers={"Authorization": ""})
    assert anonymous.status_code == 401
