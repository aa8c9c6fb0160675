"""`POST /webhooks/zendesk`: a Zendesk ticket starts a supportflow case.

- **Signature**: `X-Zendesk-Webhook-Signature` = base64(HMAC-SHA256(ZENDESK_WEBHOOK_SECRET,
  `X-Zendesk-Webhook-Signature-Timestamp` + raw body)), compared in constant time; missing or
  wrong → 401 `bad_signature`, older than an hour → 401 `stale_webhook` (a replay).
- **Body**: the JSON of the trigger in docs/delivery.md; a malformed one is 400 `bad_payload`.
- **Once**: the case id is `ticket-zd-<Zendesk id>`, so a repeated delivery finds the same case
  (200 with `existing`). The ticket's source (Zendesk and its id) is recorded before the case
  starts, so its reply, hand-off and status go back to that Zendesk ticket.
- Temporal down: 503, so Zendesk delivers again later. Not configured: 404.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from integrations.commerce import SqlCommerce
from integrations.zendesk_webhooks import ZendeskTicketCreated, is_stale, verify_signature
from worker.api_errors import error_body, error_responses
from worker.cases import CaseStarted, file_ticket
from worker.settings import Settings
from worker.temporal_gate import TemporalGate
from worker.ticket_submission import TicketSubmission

log = logging.getLogger("supportflow.api")
router = APIRouter()

WEBHOOK_PATH = "/webhooks/zendesk"
ZENDESK_REQUESTER = "system:zendesk"
# A Zendesk requester we have no customer for still gets a case; triage hands it to a person.
UNKNOWN_CUSTOMER = "zendesk-requester"


def _refuse(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse(error_body(error, message), status)


@router.post(
    WEBHOOK_PATH,
    response_model=CaseStarted,
    responses=error_responses(
        (400, "bad_payload"),
        (401, "bad_signature, stale_webhook"),
        (404, "not_configured: ZENDESK_WEBHOOK_SECRET is not set"),
        413,
        503,
    ),
    tags=["webhooks"],
)
async def zendesk_webhook(request: Request) -> CaseStarted | JSONResponse:
    """Starts the case of a Zendesk ticket (202), or finds the one it already has (200)."""
    settings: Settings = request.app.state.settings
    secret = settings.zendesk_webhook_secret
    if secret is None or not secret.get_secret_value():  # an empty secret verifies nothing
        return _refuse(404, "not_configured", "Zendesk webhooks are not configured here.")
    body = await request.body()
    timestamp = request.headers.get("x-zendesk-webhook-signature-timestamp")
    presented = request.headers.get("x-zendesk-webhook-signature")
    if not verify_signature(secret.get_secret_value(), timestamp, body, presented):
        return _refuse(401, "bad_signature", "X-Zendesk-Webhook-Signature does not match the body.")
    if is_stale(timestamp or ""):
        return _refuse(401, "stale_webhook", "The webhook's timestamp is older than an hour.")
    try:
        created = ZendeskTicketCreated.model_validate(json.loads(body))
    except (ValueError, ValidationError) as error:
        return _refuse(400, "bad_payload", _first_error(error))
    store = request.app.state.store
    customer_id = await asyncio.to_thread(_customer_for, store, created)
    await asyncio.to_thread(
        store.record_ticket_source,
        created.ticket_id,
        helpdesk="zendesk",
        external_id=created.zendesk_ticket_id,
    )
    ticket = TicketSubmission.model_validate(
        {
            "ticket_id": created.ticket_id,
            "customer_id": customer_id,
            "subject": created.subject or f"Zendesk ticket {created.zendesk_ticket_id}",
            "body": created.description,
        }
    ).filed_by(ZENDESK_REQUESTER)
    gate: TemporalGate = request.app.state.temporal
    started = await file_ticket(await gate.client(), settings, ticket)
    if not started.existing:
        detail = f"filed a {started.process} case from Zendesk ticket {created.zendesk_ticket_id}"
        await asyncio.to_thread(
            store.record_api_event,
            created.ticket_id,
            ZENDESK_REQUESTER,
            "zendesk_ticket_filed",
            detail,
        )
    return JSONResponse(
        started.model_dump(mode="json"), status_code=200 if started.existing else 202
    )


def _customer_for(store: Any, created: ZendeskTicketCreated) -> str:
    if created.requester_external_id and store.get_customer(created.requester_external_id):
        return created.requester_external_id
    if created.requester_email:
        found = SqlCommerce(store).customer_id_for_email(created.requester_email)
        if found is not None:
            return str(found)
    return UNKNOWN_CUSTOMER


def _first_error(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}"[:300]
    return "the body is not JSON"
