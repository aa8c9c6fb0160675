"""Bad input is a 4xx with a message that names the problem, never a 5xx or a started case."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.api.conftest import ticket_body
from tests.api_keys import CallerKeys
from worker.api_errors import MAX_BODY_BYTES
from workflows.case.contract import case_workflow_id


def _fields(response: httpx.Response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


async def _assert_not_started(env: WorkflowEnvironment, ticket_id: str) -> None:
    count = await env.client.count_workflows(f"WorkflowId = '{case_workflow_id(ticket_id)}'")
    assert count.count == 0


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b'{"ticket_id": "T-1", ', "application/json"),
        (b"not json at all", "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b"", "application/json"),
    ],
    ids=["truncated", "text", "binary", "empty"],
)
async def test_malformed_json_is_422(api: httpx.AsyncClient, raw: bytes, content_type: str) -> None:
    response = await api.post("/tickets", content=raw, headers={"content-type": content_type})
    # One documented answer for every undecodable body (invalid UTF-8 was an undocumented 400).
    assert response.status_code == 422, response.text
    payload = response.json()
    assert payload["error"] == "invalid_request"
    assert payload["message"]


async def test_truncated_json_names_the_body(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/tickets", content=b'{"ticket_id": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "not valid JSON" in _fields(response)["body"]


@pytest.mark.parametrize(
    "body",
    [[1, 2, 3], "a string", 42, None],
    ids=["array", "string", "number", "null"],
)
async def test_json_that_is_not_an_object_is_422(api: httpx.AsyncClient, body: object) -> None:
    response = await api.post("/tickets", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request"


async def test_non_json_content_type_is_4xx(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/tickets", content=b"ticket_id=T-1", headers={"content-type": "text/plain"}
    )
    assert 400 <= response.status_code < 500, response.text


async def test_field_level_messages(
    api: httpx.AsyncClient, dev_server_env: WorkflowEnvironment
) -> None:
    body = ticket_body("T-bad-1", requested_amount_cents=-5, customer_id="", extra="x")
    response = await api.post("/tickets", json=body)
    assert response.status_code == 422
    fields = _fields(response)
    assert "greater than 0" in fields["requested_amount_cents"]
    assert "at least 1 character" in fields["customer_id"]
    assert "not permitted" in fields["extra"]
    # The summary names every field so a log line alone is enough to fix the caller.
    message = response.json()["message"]
    assert "requested_amount_cents" in message and "customer_id" in message
    await _assert_not_started(dev_server_env, "T-bad-1")


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"requested_amount_cents": 0}, "requested_amount_cents", "greater than 0"),
        ({"requested_amount_cents": "25.00"}, "requested_amount_cents", "valid integer"),
        ({"requested_amount_cents": 12.5}, "requested_amount_cents", "valid integer"),
        ({"requested_amount_cents": True}, "requested_amount_cents", "valid integer"),
        ({"ticket_id": 123}, "ticket_id", "valid string"),
        ({"ticket_id": "has space"}, "ticket_id", "pattern"),
        ({"ticket_id": "x" * 65}, "ticket_id", "at most 64"),
        ({"process": "warranty"}, "process", "'refund'"),
        ({"subject": "s" * 301}, "subject", "at most 300"),
        ({"order_id": ["o1"]}, "order_id", "valid string"),
    ],
)
async def test_wrong_values_are_422(
    api: httpx.AsyncClient, overrides: dict[str, object], field: str, fragment: str
) -> None:
    response = await api.post("/tickets", json={**ticket_body("T-bad-2"), **overrides})
    assert response.status_code == 422, response.text
    assert fragment in _fields(response)[field]


async def test_missing_everything_lists_required_fields(api: httpx.AsyncClient) -> None:
    response = await api.post("/tickets", json={})
    assert response.status_code == 422
    # `process` is optional: without it the ticket is triaged.
    assert {"ticket_id", "customer_id"} == set(_fields(response))


async def test_oversized_body_is_413_by_content_length(api: httpx.AsyncClient) -> None:
    body = ticket_body("T-big-1", body="x" * (MAX_BODY_BYTES + 1))
    response = await api.post("/tickets", json=body)
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert "64 KiB" in response.json()["message"]


async def test_oversized_chunked_body_is_413(api: httpx.AsyncClient) -> None:
    """No Content-Length: the limit must still hold while the body streams in."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"ticket_id": "T-big-2", "body": "'
        for _ in range(10):
            yield b"x" * 16_384
        yield b'"}'

    response = await api.post(
        "/tickets", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "payload_too_large"


async def test_bad_content_length_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/tickets",
        content=b"{}",
        headers={"content-type": "application/json", "content-length": "abc"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


async def test_bad_ticket_id_in_path_is_422(api: httpx.AsyncClient) -> None:
    response = await api.get("/tickets/bad%20id")
    assert response.status_code == 422
    assert "ticket_id" in _fields(response)


async def test_unknown_route_and_method_are_json(api: httpx.AsyncClient) -> None:
    missing = await api.get("/nope")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong_method = await api.delete("/tickets")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"] == "method_not_allowed"


async def test_openapi_schema_is_served(api: httpx.AsyncClient) -> None:
    schema = (await api.get("/openapi.json")).json()
    assert {
        "/tickets",
        "/tickets/{ticket_id}",
        "/tickets/{ticket_id}/approvals",
        "/tickets/{ticket_id}/replies",
        "/healthz",
    } <= set(schema["paths"])


# -- approvals -----------------------------------------------------------------------------------


async def test_approval_without_credentials_is_401(api: httpx.AsyncClient) -> None:
    body = {"decision": "approve"}
    missing = await api.post("/tickets/T-1/approvals", json=body, headers={"Authorization": ""})
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="supportflow"'
    assert "API key" in missing.json()["message"]
    wrong = await api.post(
        "/tickets/T-1/approvals", json=body, headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_credential"
    basic = await api.post(
        "/tickets/T-1/approvals", json=body, headers={"Authorization": "Basic YWxpY2U6eA=="}
    )
    assert basic.status_code == 401


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"decision": "maybe"}, "body", "'approve', 'reject'"),
        ({}, "body", "Unable to extract tag using discriminator 'decision'"),
        ({"decision": "reject"}, "reject.reason", "Field required"),
        ({"decision": "reject", "reason": "  "}, "reject.reason", "needs a reason"),
        ({"decision": "approve", "amount_cents": -1}, "approve.amount_cents", "0"),
        ({"decision": "approve", "request_id": ""}, "approve.request_id", "at least"),
        ({"decision": "approve", "approver": "alice"}, "approve.approver", "Extra inputs"),
    ],
)
async def test_bad_approval_body_is_422(
    api: httpx.AsyncClient,
    api_keys: CallerKeys,
    body: dict[str, object],
    field: str,
    fragment: str,
) -> None:
    response = await api.post("/tickets/T-1/approvals", json=body, headers=api_keys.person("alice"))
    assert response.status_code == 422, response.text
    assert fragment in _fields(response)[field], _fields(response)
