"""`POST /webhooks/shopify`: Shopify's webhooks, verified, deduplicated and reconciled with cases.

- **Signature**: `X-Shopify-Hmac-Sha256` over the raw body with SHOPIFY_WEBHOOK_SECRET, compared
  in constant time; a missing or wrong one is 401. A delivery whose `X-Shopify-Triggered-At` is
  older than Shopify's retry window is refused as stale (401): a captured request replayed later.
- **Once**: `X-Shopify-Webhook-Id` is remembered by this process, and durably as the dedupe key
  of the note it leaves on the case; the case itself ignores a refund id it already has.
- **refunds/create**: a refund made by staff in the Shopify admin reaches the order's open refund
  case as a signal, and the case ends with that refund instead of paying a second time. Refunds
  carrying our key are supportflow's own and change nothing.
- **orders/cancelled**: noted on the order's open cases for the person who picks them up.
- Temporal down: 503, so Shopify delivers again later.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from temporalio.service import RPCError, RPCStatusCode

from integrations.commerce_cases import OpenCase, open_cases_for_order
from integrations.shopify_webhooks import (
    WebhookPayloadError,
    order_cancelled,
    refund_created,
    verify_signature,
)
from worker.api_errors import error_body, error_responses
from worker.settings import Settings
from worker.temporal_gate import TemporalGate
from workflows.refund.staff_refunds import STAFF_REFUND_SIGNAL, StaffRefundNotice

log = logging.getLogger("supportflow.api")
router = APIRouter()

WEBHOOK_PATH = "/webhooks/shopify"
# Shopify retries a failed delivery for up to 48 hours; anything older is not a retry.
STALE_AFTER = timedelta(hours=48)
_REMEMBERED = 10_000


class _RecentDeliveries:
    """Webhook ids this process has handled, newest last (a bounded fast path)."""

    def __init__(self) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, webhook_id: object) -> bool:
        return webhook_id in self._ids

    def add(self, webhook_id: str) -> None:
        self._ids[webhook_id] = None
        while len(self._ids) > _REMEMBERED:
            self._ids.popitem(last=False)


def _recent(request: Request) -> _RecentDeliveries:
    state = request.app.state
    if getattr(state, "shopify_deliveries", None) is None:
        state.shopify_deliveries = _RecentDeliveries()
    recent: _RecentDeliveries = state.shopify_deliveries
    return recent


class WebhookReceipt(BaseModel):
    """How a delivery was handled: `staff_refund_signalled`, `order_cancelled_noted`,
    `own_refund`, `no_open_case`, `ignored` or `duplicate`."""

    status: str
    webhook_id: str
    topic: str = ""


def _refuse(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse(error_body(error, message), status)


@router.post(
    WEBHOOK_PATH,
    response_model=WebhookReceipt,
    responses=error_responses(
        (400, "bad_payload, missing_webhook_id"),
        (401, "bad_signature, stale_webhook"),
        (404, "not_configured: SHOPIFY_WEBHOOK_SECRET is not set"),
        413,
        503,
    ),
    tags=["webhooks"],
)
async def shopify_webhook(request: Request) -> WebhookReceipt | JSONResponse:
    """Receives a Shopify webhook; 200 once handled (or already handled)."""
    settings: Settings = request.app.state.settings
    secret = settings.shopify_webhook_secret
    if secret is None:
        return _refuse(404, "not_configured", "Shopify webhooks are not configured here.")
    body = await request.body()
    headers = request.headers
    if not verify_signature(secret.get_secret_value(), body, headers.get("x-shopify-hmac-sha256")):
        return _refuse(401, "bad_signature", "X-Shopify-Hmac-Sha256 does not match the body.")
    if _stale(headers.get("x-shopify-triggered-at")):
        return _refuse(401, "stale_webhook", "The webhook is older than Shopify's retry window.")
    webhook_id = headers.get("x-shopify-webhook-id")
    topic = headers.get("x-shopify-topic", "")
    if not webhook_id:
        return _refuse(400, "missing_webhook_id", "X-Shopify-Webhook-Id is required.")
    if webhook_id in _recent(request):
        return WebhookReceipt(status="duplicate", webhook_id=webhook_id, topic=topic)
    try:
        payload = json.loads(body)
        if not isinstance(payload, dict):
            raise WebhookPayloadError("the body is not a JSON object")
        status = await _handle(request, topic, webhook_id, payload)
    except (ValueError, WebhookPayloadError) as error:
        return _refuse(400, "bad_payload", str(error)[:300])
    _recent(request).add(webhook_id)
    return WebhookReceipt(status=status, webhook_id=webhook_id, topic=topic)


def _stale(triggered_at: str | None) -> bool:
    if not triggered_at:
        return False
    try:
        at = datetime.fromisoformat(triggered_at)
    except ValueError:
        return True
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return datetime.now(UTC) - at > STALE_AFTER


async def _handle(request: Request, topic: str, webhook_id: str, payload: dict[str, Any]) -> str:
    store = request.app.state.store
    if topic == "refunds/create":
        refund = refund_created(payload)
        if refund.ours:
            return "own_refund"
        cases = await asyncio.to_thread(open_cases_for_order, store, refund.order_id)
        refund_cases = [case for case in cases if case.process == "refund"]
        if not refund_cases:
            return "no_open_case"
        notice = StaffRefundNotice(
            refund_id=refund.refund_id,
            order_id=refund.order_id,
            amount_cents=refund.amount_cents,
            currency=refund.currency,
            created_at=refund.created_at,
        )
        gate: TemporalGate = request.app.state.temporal
        signalled = [case for case in refund_cases if await _signal(gate, case, notice)]
        text = f"Shopify refund {refund.refund_id}: {refund.amount_cents} {refund.currency}"
        return await _note(store, signalled, webhook_id, text, "staff_refund_signalled")
    if topic == "orders/cancelled":
        cancelled = order_cancelled(payload)
        cases = await asyncio.to_thread(open_cases_for_order, store, cancelled.order_id)
        text = f"Order {cancelled.order_id} cancelled in Shopify ({cancelled.reason})"
        return await _note(store, cases, webhook_id, text, "order_cancelled_noted")
    return "ignored"


async def _signal(gate: TemporalGate, case: OpenCase, notice: StaffRefundNotice) -> bool:
    client = await gate.client()  # TemporalUnavailable → 503: Shopify delivers again
    try:
        await client.get_workflow_handle(case.workflow_id).signal(STAFF_REFUND_SIGNAL, notice)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return False  # closed meanwhile: nothing to reconcile
        raise
    return True


async def _note(store: Any, cases: list[OpenCase], webhook_id: str, text: str, done: str) -> str:
    if not cases:
        return "no_open_case"
    fresh = False
    for case in cases:
        fresh |= await asyncio.to_thread(
            store.add_note,
            case.ticket_id,
            "shopify",
            text,
            f"shopify-webhook:{webhook_id}:{case.ticket_id}",
        )
    return done if fresh else "duplicate"
