"""`POST /webhooks/stripe`: Stripe's dispute events become ChargebackWorkflow signals.

The signature is the only credential (Stripe sends no API key): `stripe.Webhook.construct_event`
checks `Stripe-Signature` against STRIPE_WEBHOOK_SECRET with the SDK's tolerance (300 s), so a
forged or replayed-late event is a 400. A verified dispute event is handed to Temporal with one
signal-with-start on `chargeback-<dispute id>` and only then answered 2xx: if Temporal is down,
or no secret is configured, the answer is 503 and Stripe retries. Repeated deliveries of an event
already handed over are answered at once from a bounded memory of recent event ids; the workflow
itself ignores an event id it has seen, so a repeat after a restart changes nothing either.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import stripe
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from worker.api_dependencies import api_settings, temporal_gate
from worker.api_errors import ErrorBody, error_body, error_responses
from worker.settings import Settings
from worker.temporal_gate import TemporalGate
from workflows.chargeback.contract import (
    CHARGEBACK_WORKFLOW,
    DISPUTE_EVENT_SIGNAL,
    DISPUTE_EVENT_TYPES,
    ChargebackRequest,
    DisputeEvent,
    chargeback_workflow_id,
)
from workflows.search_attributes import DISPUTE_ID, PROCESS

log = logging.getLogger("supportflow.api")
router = APIRouter(tags=["webhooks"])

# Stripe waits up to 20 s for an answer; one signal-with-start must fit well inside.
HANDOVER_TIMEOUT = timedelta(seconds=5)
RECENT_EVENTS = 10_000
NOT_CONFIGURED = "Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET); Stripe will retry."


class WebhookUnavailable(ErrorBody):
    """503: the event was not handed over; Stripe retries it."""

    error: Literal["temporal_unavailable", "webhooks_not_configured"]


class RecentEvents:
    """Event ids already handed to Temporal, oldest forgotten first."""

    def __init__(self, size: int = RECENT_EVENTS) -> None:
        self._ids: OrderedDict[str, str] = OrderedDict()
        self._size = size

    def get(self, event_id: str) -> str | None:
        return self._ids.get(event_id)

    def add(self, event_id: str, workflow_id: str) -> None:
        self._ids[event_id] = workflow_id
        while len(self._ids) > self._size:
            self._ids.popitem(last=False)


def _recent(request: Request) -> RecentEvents:
    recent: RecentEvents | None = getattr(request.app.state, "stripe_events", None)
    if recent is None:
        recent = request.app.state.stripe_events = RecentEvents()
    return recent


def _bad(message: str) -> JSONResponse:
    return JSONResponse(error_body("bad_webhook", message), 400)


@router.post(
    "/webhooks/stripe",
    summary="Receive a signed Stripe event (disputes start or signal a chargeback case)",
    responses={
        **error_responses((400, "bad_webhook: missing or invalid signature, or not an event")),
        503: {
            "model": WebhookUnavailable,
            "description": "temporal_unavailable or webhooks_not_configured: Stripe retries",
        },
    },
)
async def stripe_webhook(
    request: Request,
    gate: TemporalGate = Depends(temporal_gate),
    settings: Settings = Depends(api_settings),
) -> JSONResponse:
    secret = settings.stripe_webhook_secret
    if secret is None:
        return JSONResponse(error_body("webhooks_not_configured", NOT_CONFIGURED), 503)
    signature = request.headers.get("Stripe-Signature")
    if not signature:
        return _bad("Missing Stripe-Signature header.")
    payload = await request.body()
    try:
        event = stripe.Webhook.construct_event(
            payload.decode("utf-8"), signature, secret.get_secret_value()
        )
    except stripe.SignatureVerificationError:
        return _bad("Stripe-Signature does not match the payload, or it is too old.")
    except (ValueError, UnicodeDecodeError):
        return _bad("The body is not a Stripe event.")
    recent = _recent(request)
    seen = recent.get(event.id)
    if seen is not None:
        return JSONResponse({"received": True, "duplicate": True, "workflow_id": seen})
    if event.type not in DISPUTE_EVENT_TYPES:
        return JSONResponse({"received": True, "handled": False})
    dispute_event = _dispute_event(event)
    if dispute_event is None:
        return _bad("The event does not carry a dispute.")
    handed = await _hand_over(gate, settings.task_queue, dispute_event)
    recent.add(event.id, handed["workflow_id"])
    return JSONResponse({"received": True, **handed})


def _dispute_event(event: stripe.Event) -> DisputeEvent | None:
    """The event as the case's signal; None when it does not name a dispute properly."""
    obj: Any = event.data.object
    dispute = obj.to_dict() if hasattr(obj, "to_dict") else obj
    try:
        return DisputeEvent(
            event_id=event.id,
            type=event.type,
            dispute_id=dispute["id"],
            status=dispute.get("status") or "",
            created=datetime.fromtimestamp(event.created, UTC),
        )
    except (KeyError, TypeError, ValueError):
        return None


async def _hand_over(gate: TemporalGate, task_queue: str, event: DisputeEvent) -> dict[str, Any]:
    """Signal-with-start; raises TemporalUnavailable / RPCError (answered 503) when it did not
    reach Temporal. A case already finished for this dispute keeps its id (never a second case)."""
    client = await gate.client()
    workflow_id = chargeback_workflow_id(event.dispute_id)
    try:
        await client.start_workflow(
            CHARGEBACK_WORKFLOW,
            ChargebackRequest(dispute_id=event.dispute_id),
            id=workflow_id,
            task_queue=task_queue,
            start_signal=DISPUTE_EVENT_SIGNAL,
            start_signal_args=[event],
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(PROCESS, "chargeback"),
                    SearchAttributePair(DISPUTE_ID, event.dispute_id),
                ]
            ),
            rpc_timeout=HANDOVER_TIMEOUT,
        )
    except WorkflowAlreadyStartedError:
        log.info("event %s for finished case %s: nothing to do", event.event_id, workflow_id)
        return {"workflow_id": workflow_id, "handled": False, "case": "closed"}
    return {"workflow_id": workflow_id, "handled": True}
