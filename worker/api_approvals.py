"""`/tickets/{id}/approvals`: an approver decides the refund a case waits on."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from worker.api_dependencies import CaseStore, TicketId, audit, case_store, temporal_gate
from worker.api_errors import error_responses
from worker.approval_submissions import ApprovalSubmission
from worker.approvals import decide
from worker.auth import ApprovingPerson
from worker.temporal_gate import TemporalGate
from workflows.case.contract import ApprovalReceipt

# Mounted by worker/api.py under the router that requires a credential.
router = APIRouter()


class ApprovalResponse(ApprovalReceipt):
    ticket_id: str


@router.post(
    "/tickets/{ticket_id}/approvals",
    response_model=ApprovalResponse,
    responses=error_responses(
        400,
        401,
        (
            403,
            "not_an_approver, self_approval, insufficient_scope, or person_required "
            "(a calling system's key never decides)",
        ),
        (
            409,
            "stale_request, already_decided, expired, no_pending_approval, case_closed",
        ),
        413,
        422,
        503,
    ),
    tags=["approvals"],
)
async def post_approval(
    ticket_id: TicketId,
    submission: ApprovalSubmission,
    person: ApprovingPerson,
    temporal: Annotated[TemporalGate, Depends(temporal_gate)],
    store: Annotated[CaseStore, Depends(case_store)],
) -> ApprovalResponse:
    """Approves or rejects the case's pending request as the authenticated person (a person
    key or an OIDC token with `approvals:write`); the body cannot name an approver."""
    receipt = await decide(
        await temporal.client(), store, ticket_id, submission, approver=person.id, channel="api"
    )
    detail = f"{submission.decision} on request {receipt.request_id}: {receipt.status}"
    await audit(store, person, ticket_id, "api_approval_decided", detail)
    return ApprovalResponse(ticket_id=ticket_id, **receipt.model_dump())
