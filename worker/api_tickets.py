"""`/tickets`: file a ticket, read where its case stands, deliver the customer's reply."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response

from worker.api_dependencies import (
    CaseStore,
    TicketId,
    api_settings,
    audit,
    case_store,
    temporal_gate,
)
from worker.api_errors import error_responses
from worker.auth import TICKETS_READ, TICKETS_WRITE, Principal, requester_for, scoped
from worker.callback_sources import record_source
from worker.case_status import CaseView, read_ticket
from worker.cases import CaseStarted, file_ticket
from worker.customer_replies import ReplyAccepted, ReplySubmission, send_reply
from worker.settings import Settings
from worker.temporal_gate import TemporalGate
from worker.ticket_submission import TicketSubmission

# Mounted by worker/api.py under the router that requires a credential.
router = APIRouter()


@router.post(
    "/tickets",
    status_code=202,
    response_model=CaseStarted,
    responses={
        200: {"model": CaseStarted, "description": "The ticket already had a case"},
        **error_responses(400, 401, 403, 413, 422, 503),
    },
    tags=["tickets"],
)
async def post_ticket(
    ticket: TicketSubmission,
    response: Response,
    principal: Annotated[Principal, scoped(TICKETS_WRITE)],
    temporal: Annotated[TemporalGate, Depends(temporal_gate)],
    store: Annotated[CaseStore, Depends(case_store)],
    settings: Annotated[Settings, Depends(api_settings)],
) -> CaseStarted:
    """Starts the ticket's case; the same ticket id again returns the existing case (200).

    The requester is the caller: a person's id, or `system:<key name>` for a calling
    system. A key with the `tickets:on_behalf` scope may name the agent it files for in
    `requested_by` (that agent then cannot approve the case); without it, 403."""
    requested_by = requester_for(principal, ticket.asserted_requester())
    # Before the case starts, so its first event already goes to the system's callback.
    await record_source(store, principal, ticket.ticket_id)
    started = await file_ticket(await temporal.client(), settings, ticket.filed_by(requested_by))
    if started.existing:
        response.status_code = 200
    else:
        detail = f"filed a {started.process} case, requested by {requested_by}"
        await audit(store, principal, ticket.ticket_id, "api_ticket_filed", detail)
    return started


@router.get(
    "/tickets/{ticket_id}",
    response_model=CaseView,
    responses=error_responses(
        401, 403, (404, "not_found: no case and no CRM record for this ticket"), 422, 503
    ),
    tags=["tickets"],
)
async def get_ticket(
    ticket_id: TicketId,
    _: Annotated[Principal, scoped(TICKETS_READ)],
    temporal: Annotated[TemporalGate, Depends(temporal_gate)],
    store: Annotated[CaseStore, Depends(case_store)],
    settings: Annotated[Settings, Depends(api_settings)],
) -> CaseView:
    """Live state from the running case; the CRM record once it has closed."""
    view = await read_ticket(await temporal.client(), store, settings, ticket_id)
    if view is None:
        raise HTTPException(404, f"No case for ticket {ticket_id}.")
    return view


@router.post(
    "/tickets/{ticket_id}/replies",
    status_code=202,
    response_model=ReplyAccepted,
    responses=error_responses(
        400,
        401,
        403,
        (404, "not_found: no case for this ticket"),
        (409, "not_awaiting_reply or case_closed"),
        413,
        422,
        503,
    ),
    tags=["tickets"],
)
async def post_reply(
    ticket_id: TicketId,
    reply: ReplySubmission,
    principal: Annotated[Principal, scoped(TICKETS_WRITE)],
    temporal: Annotated[TemporalGate, Depends(temporal_gate)],
    store: Annotated[CaseStore, Depends(case_store)],
) -> ReplyAccepted:
    """Delivers the customer's reply to a ticket waiting for one (a clarifying question);
    the case then triages the ticket again with the reply and continues on its own."""
    accepted = await send_reply(await temporal.client(), ticket_id, reply)
    detail = f"delivered customer reply {accepted.round} via {reply.channel}"
    await audit(store, principal, ticket_id, "api_reply_delivered", detail)
    return accepted
