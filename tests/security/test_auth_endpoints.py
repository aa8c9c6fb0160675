"""Calling systems authenticate (issue 7 #4, and the credential half of #2 and #3): every case
endpoint, including any added later, refuses a missing, unknown or revoked key with 401, a key
without the scope with 403, and keys exist in the database only as hashes."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from integrations.crm_store import CrmStore
from integrations.crm_store.keys import TICKETS_READ, TICKETS_WRITE
from tests.api.conftest import make_settings, ticket_body
from tests.api_keys import CallerKeys
from worker.api import create_app

# Served without a credential on purpose: a load balancer's probe. (Slack's Request URL, when
# mounted, authenticates each click by its signature instead.)
PUBLIC_PATHS = {"/healthz", "/slack/interactions"}
# Vendors' webhooks carry no API key: each delivery is authenticated by the vendor's signature
# over the raw body (tests/security/test_webhook_signatures.py and the webhook tests).
SIGNED_PATHS = {"/webhooks/stripe", "/webhooks/shopify", "/webhooks/zendesk"}
SAMPLE_BODIES = {
    "/tickets": ticket_body("T-auth"),
    "/tickets/{ticket_id}/replies": {"text": "hello"},
    "/tickets/{ticket_id}/approvals": {"decision": "approve"},
}


@pytest_asyncio.fixture
async def bare_api(
    task_queue: str, database_url: str, crm_store: CrmStore
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with no Temporal behind it: whatever authentication lets through would fail
    with 503, so a 401/403 here proves the request was stopped before any case was touched."""
    app = create_app(make_settings(task_queue, database_url), store=crm_store)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        yield client


async def case_endpoints(client: httpx.AsyncClient) -> list[tuple[str, str]]:
    """Every operation the served OpenAPI schema lists except the public ones, so a route
    added later is checked without anyone remembering to list it here."""
    paths = (await client.get("/openapi.json")).json()["paths"]
    found = [
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if path not in PUBLIC_PATHS | SIGNED_PATHS
    ]
    assert len(found) >= 4  # POST/GET tickets, replies, approvals at least
    return found


async def call(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]
) -> httpx.Response:
    url = path.replace("{ticket_id}", "T-auth")
    body = SAMPLE_BODIES.get(path) if method != "GET" else None
    return await client.request(method, url, json=body, headers=headers)


async def test_every_case_endpoint_needs_a_credential(bare_api: httpx.AsyncClient) -> None:
    for method, path in await case_endpoints(bare_api):
        response = await call(bare_api, method, path, {})
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["error"] == "missing_credential"
        assert response.headers["www-authenticate"] == 'Bearer realm="supportflow"'


@pytest.mark.parametrize(
    "raw", [b'{"ticket_id": "T-\xff"}', b"[" * 30_000], ids=["invalid-utf8", "too-deep"]
)
async def test_an_undecodable_body_without_a_credential_is_401_not_422(
    bare_api: httpx.AsyncClient, raw: bytes
) -> None:
    """FastAPI reads the body before any dependency runs: the caller must still be told to
    authenticate first, not how their body was parsed."""
    for method, path in await case_endpoints(bare_api):
        if method == "GET":
            continue
        url = path.replace("{ticket_id}", "T-auth")
        response = await bare_api.request(
            method, url, content=raw, headers={"content-type": "application/json"}
        )
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["error"] == "missing_credential"


@pytest.mark.parametrize(
    "credential",
    [
        "Bearer sfk_0123456789ab_" + "A" * 43,  # well-formed, never issued
        "Bearer not-a-key",
        "Basic YWxpY2U6c2VjcmV0",
        "Bearer ",
    ],
    ids=["unknown-key", "garbage", "basic-auth", "empty"],
)
async def test_unknown_credentials_are_401(bare_api: httpx.AsyncClient, credential: str) -> None:
    for method, path in await case_endpoints(bare_api):
        response = await call(bare_api, method, path, {"Authorization": credential})
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["www-authenticate"].startswith('Bearer realm="supportflow"')
        assert "Traceback" not in response.text


async def test_a_tampered_key_is_401(bare_api: httpx.AsyncClient, api_keys: CallerKeys) -> None:
    tampered = api_keys.system[:-1] + ("A" if api_keys.system[-1] != "A" else "B")
    response = await bare_api.get("/tickets/T-1", headers=CallerKeys.bearer(tampered))
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_credential",
        "message": "The API key is unknown or revoked.",
    }


async def test_a_revoked_key_is_401_at_once(
    bare_api: httpx.AsyncClient, crm_store: CrmStore, api_keys: CallerKeys
) -> None:
    crm_store.revoke_api_key("helpdesk")
    for method, path in await case_endpoints(bare_api):
        response = await call(bare_api, method, path, api_keys.system_headers)
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["error"] == "invalid_credential"
        assert 'error="invalid_token"' in response.headers["www-authenticate"]


@pytest.mark.parametrize(
    ("scopes", "method", "path", "missing"),
    [
        ([TICKETS_READ], "POST", "/tickets", "tickets:write"),
        ([TICKETS_READ], "POST", "/tickets/{ticket_id}/replies", "tickets:write"),
        ([TICKETS_WRITE], "GET", "/tickets/{ticket_id}", "tickets:read"),
    ],
)
async def test_a_key_without_the_scope_is_403(
    bare_api: httpx.AsyncClient,
    crm_store: CrmStore,
    scopes: list[str],
    method: str,
    path: str,
    missing: str,
) -> None:
    key = crm_store.create_api_key("narrow", "system", scopes=scopes).key
    response = await call(bare_api, method, path, CallerKeys.bearer(key))
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "insufficient_scope"
    assert missing in response.json()["message"]
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


async def test_a_system_key_never_decides_even_with_the_approvals_scope(
    bare_api: httpx.AsyncClient, crm_store: CrmStore
) -> None:
    every_scope = ["tickets:write", "tickets:read", "approvals:write", "tickets:on_behalf"]
    key = crm_store.create_api_key("alice", "system", scopes=every_scope).key  # named like her
    response = await bare_api.post(
        "/tickets/T-1/approvals", json={"decision": "approve"}, headers=CallerKeys.bearer(key)
    )
    assert response.status_code == 403
    assert response.json()["error"] == "person_required"


async def test_a_person_key_without_approvals_scope_cannot_decide(
    bare_api: httpx.AsyncClient, crm_store: CrmStore
) -> None:
    key = crm_store.create_api_key(
        "bob-readonly", "person", person_id="bob", scopes=[TICKETS_READ]
    ).key
    response = await bare_api.post(
        "/tickets/T-1/approvals", json={"decision": "approve"}, headers=CallerKeys.bearer(key)
    )
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"


async def test_the_body_cannot_name_the_approver(
    bare_api: httpx.AsyncClient, api_keys: CallerKeys
) -> None:
    for body in (
        {"approver": "alice", "decision": "approve"},
        {"approver": "carol", "decision": "reject", "reason": "no"},
    ):
        response = await bare_api.post(
            "/tickets/T-1/approvals", json=body, headers=api_keys.person("bob")
        )
        assert response.status_code == 422, response.text
        assert any(e["field"].endswith("approver") for e in response.json()["errors"])


async def test_a_system_without_on_behalf_scope_cannot_assert_the_requester(
    bare_api: httpx.AsyncClient, api_keys: CallerKeys, crm_store: CrmStore
) -> None:
    body = ticket_body("T-forged-requester", requested_by="alice")
    response = await bare_api.post("/tickets", json=body, headers=api_keys.system_headers)
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "insufficient_scope"
    assert "tickets:on_behalf" in response.json()["message"]
    assert crm_store.get_ticket("T-forged-requester") is None


async def test_nobody_may_file_as_a_calling_system(
    bare_api: httpx.AsyncClient, api_keys: CallerKeys
) -> None:
    body = ticket_body("T-as-system", requested_by="system:helpdesk")
    response = await bare_api.post(
        "/tickets", json=body, headers=api_keys.bearer(api_keys.on_behalf)
    )
    assert response.status_code == 403
    assert response.json()["error"] == "on_behalf_refused"


def test_keys_are_stored_only_as_hashes(crm_store: CrmStore, database_url: str) -> None:
    issued = crm_store.create_api_key("billing-app", "system")
    secret = issued.key.removeprefix(f"sfk_{issued.view.key_id}_")  # may itself hold "_"
    assert len(secret) >= 40
    path = database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        row = db.execute("SELECT * FROM api_keys WHERE name = 'billing-app'").fetchone()
        everything = " ".join(
            str(value) for r in db.execute("SELECT * FROM api_keys").fetchall() for value in r
        )
    assert issued.key not in everything and secret not in everything
    assert row["key_hash"] == hashlib.sha256(issued.key.encode()).hexdigest()
    assert row["key_id"] == issued.view.key_id and issued.key.startswith(f"sfk_{row['key_id']}_")
    assert re.fullmatch(r"[0-9a-f]{64}", row["key_hash"])
    assert all(secret not in str(k.model_dump()) for k in crm_store.list_api_keys())
