"""`/tickets/{id}/handoff`: the review card, and a person working the hand-off; `/reopen`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from worker.api_dependencies import CaseStore, TicketId, audit, case_store, temporal_gate
from worker.api_errors import error_body, error_responses
from worker.auth import TICKETS_READ, TICKETS_WRITE, Principal, authenticated, scoped
from worker.handoff_submissions import (
    HandoffSubmission,
    HandoffVerb,
    ReopenSubmission,
    require_agent,
)
from worker.handoffs import HandoffRefused, act_on_handoff, reopen_case, review_card
from worker.temporal_gate import TemporalGate
from workflows.ticket.review_contract import (
    HandoffCard,
    HandoffReceipt,
    ReopenReceipt,
    ReopenRequest,
)

# Mounted by worker/api.py under the router that requires a credential.
router = APIRouter(tags=["hand-offs"])

_REFUSALS = (
    (403, "not_an_agent, person_required or insufficient_scope"),
    (404, "not_found (no case for the ticket)"),
    (409, "claimed_by_other, not_waiting_for_person, stale_handoff, no_draft, case_closed"),
    (422, "invalid_request or invalid_action (a field the action needs is missing or not allowed)"),
)


async def _agent(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
    return require_agent(principal)


def _refused(refusal: HandoffRefused) -> JSONResponse:
    return JSONResponse(error_body(refusal.code, refusal.message), refusal.status)


@router.get(
    "/tickets/{ticket_id}/handoff",
    response_model=HandoffCard,
    responses=error_responses(401, 403, (404, "not_found, no_handoff"), 503),
)
async def get_handoff(
    ticket_id: TicketId,
    _: Annotated[Principal, scoped(TICKETS_READ)],
    temporal: Annotated[TemporalGate, Depends(temporal_gate)],
) -> HandoffCard | JSONResponse:
    """The review card: customer message, sources, proposed answer, action plan, confidence,
    escalation reason, recommended next step, and the actions the hand-off allows now."""
    try:
        return await review_card(await temporal.client(), ticket_id)
    except HandoffRefused as refusal:
        return _refused(refusal)


@router.post(
    "/tickets/{ticket_id}/handoff/{verb}",
    response_model=HandoffReceipt,
    responses=error_responses(401, *_REFUSALS, 413, 503),
)
async def post_handoff_action(
    ticket_id: TicketId,
    verb: HandoffVerb,
    person: Annotated[Principal, Depends(_agent)],
    temporal: Annotated[TemporalGate, Depends(temporal_gate)],
    store: Annotated[CaseStore, Depends(case_store)],
    submission: HandoffSubmission | None = None,
) -> HandoffReceipt | JSONResponse:
    """Claim, resolve, reassign, hand back, send / edit-send / reject the draft, as the
    authenticated person (a person key or OIDC token with `tickets:write`)."""
    action = (submission or HandoffSubmission()).action(verb, person.id, "api")
    try:
        receipt = await act_on_handoff(await temporal.client(), ticket_id, action)
    except HandoffRefused as refusal:
        detail = f"{verb.value} refused: {refusal.code}"
        await audit(store, person, ticket_id, "api_handoff_refused", detail)
        return _refused(refusal)
    detail = f"{verb.value} on hand-off {receipt.handoff_id}: {receipt.state}"
    await audit(store, person, ticket_id, "api_handoff_action", detail)
    return receipt


@router.post(
    "/tickets/{ticket_id}/reopen",
    response_model=ReopenReceipt,
    responses=error_responses(
        401, 403, (404, "not_found"), (409, "not_reopenable, case_closed"), 413, 422, 503
    ),
)
async def post_reopen(
    ticket_id: TicketId,
    submission: ReopenSubmission,
    caller: Annotated[Principal, scoped(TICKETS_WRITE)],
    temporal: Annotated[TemporalGate, Depends(temporal_gate)],
    store: Annotated[CaseStore, Depends(case_store)],
) -> ReopenReceipt | JSONResponse:
    """The customer came back about the same problem within the routing policy's reopen
    window: the case continues with its history and goes back to the person who resolved it."""
    request = ReopenRequest(
        text=submission.text, channel=submission.channel, requested_by=caller.id
    )
    try:
        receipt = await reopen_case(await temporal.client(), ticket_id, request)
    except HandoffRefused as refusal:
        return _refused(refusal)
    await audit(store, caller, ticket_id, "api_ticket_reopened", f"reopen {receipt.reopens}")
    return receipt
