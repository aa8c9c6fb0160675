"""The served OpenAPI schema tells the truth: each answer matches exactly one of its alternatives,
every status a route answers is documented with its body, and a body the schema accepts is one
the API accepts (and the other way round)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import jsonschema_rs
import pytest
from pydantic import ValidationError

from worker.api import create_app
from worker.case_status import CaseView
from worker.settings import Settings
from worker.ticket_submission import TicketSubmission
from workflows.case.contract import PendingApproval
from workflows.refund.contract import RefundStatus
from workflows.ticket.contract import TicketStatus

CASE_ROUTES = [
    ("post", "/tickets"),
    ("get", "/tickets/{ticket_id}"),
    ("post", "/tickets/{ticket_id}/replies"),
    ("post", "/tickets/{ticket_id}/approvals"),
]
BODY_ROUTES = [(method, path) for method, path in CASE_ROUTES if method == "post"]


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    settings = Settings(_env_file=None, SUPPORTFLOW_API_TOKEN="schema-test")  # type: ignore[call-arg]
    return create_app(settings).openapi()


def validator(openapi: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A validator for `schema` whose `#/components/...` references resolve in the document."""
    return jsonschema_rs.Draft202012Validator({**schema, "components": openapi["components"]})


def component(openapi: dict[str, Any], name: str) -> Any:
    return validator(openapi, {"$ref": f"#/components/schemas/{name}"})


def response_schema(openapi: dict[str, Any], method: str, path: str, status: int) -> Any:
    documented = openapi["paths"][path][method]["responses"][str(status)]
    return validator(openapi, documented["content"]["application/json"]["schema"])


def _view(status: RefundStatus, child: RefundStatus | None = None) -> dict[str, Any]:
    view = CaseView(
        ticket_id="T-1",
        workflow_id="ticket-T-1",
        source="workflow",
        state=status.state,
        workflow_status="RUNNING",
        temporal_ui_url="http://ui.test/ticket-T-1",
        status=status,
        process_status=child,
    )
    parsed: dict[str, Any] = json.loads(view.model_dump_json())
    return parsed


def _pending() -> PendingApproval:
    return PendingApproval(
        request_id="r-1",
        level="manager",
        amount_cents=9000,
        currency="usd",
        charge_id="ch_1",
        required_approvals=1,
        approvers=["alice"],
        requested_by="customer",
        rule="manager_approval",
        reason="over the auto-approve limit",
        expires_at=datetime(2026, 11, 3, tzinfo=UTC),
    )


@pytest.mark.parametrize("kind", ["ticket", "case"])
def test_live_status_matches_exactly_one_alternative(openapi: dict[str, Any], kind: str) -> None:
    """TicketStatus is a superset of RefundStatus: without a discriminating field every triaged
    ticket's status also matched the RefundStatus alternative, so `oneOf` refused every answer."""
    child = RefundStatus(
        ticket_id="T-1",
        workflow_id="refund-of-ticket-T-1",
        state="awaiting_approval",
        pending_approval=_pending(),
    )
    status: RefundStatus = (
        TicketStatus(
            ticket_id="T-1", workflow_id="ticket-T-1", state="in_process", route="start_process"
        )
        if kind == "ticket"
        else RefundStatus(ticket_id="T-1", workflow_id="ticket-T-1", state="evaluating")
    )
    answer = _view(status, child if kind == "ticket" else None)
    response_schema(openapi, "get", "/tickets/{ticket_id}", 200).validate(answer)
    alternatives = openapi["components"]["schemas"]["CaseView"]["properties"]["status"]
    one_of = next(option["oneOf"] for option in alternatives["anyOf"] if "oneOf" in option)
    matching = [alt for alt in one_of if validator(openapi, alt).is_valid(answer["status"])]
    assert len(matching) == 1, matching


# (body, accepted) for a ticket filed over the API; `accepted` is what TicketSubmission does.
SUBMISSIONS = [
    (
        {"ticket_id": "T-1", "customer_id": "c", "process": "refund", "requested_amount_cents": 5},
        True,
    ),
    ({"ticket_id": "T-1", "customer_id": "c", "process": "refund"}, True),
    ({"ticket_id": "T-1", "customer_id": "c"}, True),
    ({"ticket_id": "T-1", "customer_id": "c", "process": "triage"}, True),
    ({"ticket_id": "T-1", "customer_id": "c", "process": None}, True),
    ({"ticket_id": "T-1", "customer_id": "c", "requested_amount_cents": None}, True),
    ({"ticket_id": "T-1", "customer_id": "c", "requested_amount_cents": 5}, False),
    (
        {"ticket_id": "T-1", "customer_id": "c", "process": "triage", "requested_amount_cents": 5},
        False,
    ),
    (
        {"ticket_id": "T-1", "customer_id": "c", "process": "refund", "requested_amount_cents": 0},
        False,
    ),
    ({"ticket_id": "T-1", "customer_id": "c", "process": "chargeback"}, False),
    ({"ticket_id": "T-1", "customer_id": "c", "process": "refund", "extra": 1}, False),
    ({"ticket_id": "T 1", "customer_id": "c"}, False),
    ({"customer_id": "c", "process": "refund"}, False),
]


@pytest.mark.parametrize(("body", "accepted"), SUBMISSIONS)
def test_ticket_schema_agrees_with_validation(
    openapi: dict[str, Any], body: dict[str, Any], accepted: bool
) -> None:
    """An amount on a triaged ticket was refused by a model validator the schema could not see:
    a client generated from the schema sent it and got a 422."""
    try:
        TicketSubmission.model_validate_json(json.dumps(body))
        validates = True
    except ValidationError:
        validates = False
    assert validates is accepted
    assert component(openapi, "TicketSubmission").is_valid(body) is accepted


@pytest.mark.parametrize(("method", "path"), CASE_ROUTES)
def test_every_case_route_documents_its_errors(
    openapi: dict[str, Any], method: str, path: str
) -> None:
    responses = openapi["paths"][path][method]["responses"]
    expected = {"401", "403", "422", "503"}
    if (method, path) in BODY_ROUTES:
        expected |= {"400", "413"}
    assert expected <= set(responses), sorted(responses)
    for status in expected:
        schema = responses[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": schema["$ref"]} and schema["$ref"].startswith(
            "#/components/schemas/"
        )


def test_documented_bodies_are_the_bodies_sent(openapi: dict[str, Any]) -> None:
    """422 and 503 are documented with the project's error shape, not FastAPI's `detail`."""
    invalid = {
        "error": "invalid_request",
        "message": "body: Body is not valid UTF-8 JSON",
        "errors": [{"field": "body", "message": "x", "type": "json_invalid"}],
    }
    response_schema(openapi, "post", "/tickets", 422).validate(invalid)
    assert not response_schema(openapi, "post", "/tickets", 422).is_valid({"detail": []})
    unavailable = {"error": "temporal_unavailable", "message": "Temporal is unavailable."}
    response_schema(openapi, "post", "/tickets", 503).validate(unavailable)
    health = response_schema(openapi, "get", "/healthz", 503)
    health.validate(
        {
            "status": "unavailable",
            "temporal": "unavailable",
            "database": "ok",
            "problems": [{"error": "temporal_unavailable", "message": "Temporal is down."}],
        }
    )
    assert not health.is_valid(
        {"status": "unavailable", "temporal": "unavailable: boom", "database": "ok"}
    )


@pytest.mark.parametrize(
    "raw",
    [b"\xff\xfe\x00garbage", b'{"ticket_id": "T-\xff"}', b"[" * 30_000],
    ids=["utf16-garbage", "invalid-utf8", "nested-past-recursion-limit"],
)
async def test_undecodable_body_is_a_documented_422(
    api: httpx.AsyncClient, openapi: dict[str, Any], raw: bytes
) -> None:
    """Invalid UTF-8 (and JSON nested past the parser's limit) answered FastAPI's bare 400,
    which the schema did not list and whose body was not the project's error shape."""
    response = await api.post("/tickets", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    body = response.json()
    response_schema(openapi, "post", "/tickets", 422).validate(body)
    assert body["error"] == "invalid_request"
    assert [e["field"] for e in body["errors"]] == ["body"]
