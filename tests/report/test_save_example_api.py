"""Save as example over the API: an authenticated agent labels a case (what the case recorded
unless they correct it); others are refused with a stable code, nothing saved."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from integrations.crm_store import CrmStore
from tests.api.conftest import make_settings
from tests.api_keys import CallerKeys, issue_test_keys
from tests.crm.conftest import FakeClock
from tests.report.test_outcome_reads import _seed
from worker.api import create_app

SAVE = "/tickets/{}/handoff/save-example"


@pytest_asyncio.fixture
async def api(
    task_queue: str, database_url: str, store: CrmStore, clock: FakeClock
) -> AsyncIterator[tuple[httpx.AsyncClient, CallerKeys]]:
    _seed(store, clock)
    keys = issue_test_keys(store)
    # No Temporal behind the app: saving an example only needs the CRM.
    app = create_app(make_settings(task_queue, database_url), store=store)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        yield client, keys


async def test_agent_saves_with_recorded_and_corrected_labels(
    api: tuple[httpx.AsyncClient, CallerKeys], store: CrmStore
) -> None:
    client, keys = api
    recorded = await client.post(SAVE.format("H1"), headers=keys.person("bob"))
    assert recorded.status_code == 201, recorded.text
    body = recorded.json()
    assert (body["intent"], body["route"], body["saved_by"]) == ("complaint", "escalate", "bob")
    assert body["reply"].startswith("We are very sorry about the kettle")

    corrected = await client.post(
        SAVE.format("R1"),
        headers=keys.person("alice"),
        json={"intent": "refund_request", "route": "start_process", "reply": "Refunded."},
    )
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["subject"] == "Broken dripper"

    saved = store.list_labelled_examples()
    assert [(e.ticket_id, e.intent, e.saved_by) for e in saved] == [
        ("R1", "refund_request", "alice"),
        ("H1", "complaint", "bob"),
    ]
    ticket = store.get_ticket("R1")
    assert ticket is not None
    assert any(a.action == "example_saved" and a.actor == "alice" for a in ticket.audit)


async def test_refusals_save_nothing(
    api: tuple[httpx.AsyncClient, CallerKeys], store: CrmStore
) -> None:
    client, keys = api
    url = SAVE.format("H1")
    assert (await client.post(url)).status_code == 401
    system = await client.post(url, headers=keys.system_headers)
    assert (system.status_code, system.json()["error"]) == (403, "person_required")
    outsider = await client.post(url, headers=keys.person("mallory"))
    assert (outsider.status_code, outsider.json()["error"]) == (403, "not_an_agent")
    unknown = await client.post(SAVE.format("NOPE"), headers=keys.person("bob"))
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
    # R1 was filed for the refund process: no triaged intent to fall back on.
    unlabelled = await client.post(SAVE.format("R1"), headers=keys.person("bob"))
    assert unlabelled.status_code == 422
    assert "recorded no intent, route" in unlabelled.json()["message"]
    # Like every 422 of the API, it names the fields (the served schema's InvalidRequest).
    assert {e["field"] for e in unlabelled.json()["errors"]} >= {"body.intent", "body.route"}
    for bad in ({"intent": "weather"}, {"route": "teleport"}, {"reply": ""}, {"who": "bob"}):
        answer = await client.post(url, headers=keys.person("bob"), json=bad)
        assert answer.status_code == 422, bad
        assert "Traceback" not in answer.text and answer.json()["errors"], answer.text
    assert store.list_labelled_examples() == []
    ticket = store.get_ticket("H1")
    assert ticket is not None
    assert any(a.action == "api_example_refused" and a.actor == "mallory" for a in ticket.audit)
