"""`POST /tickets/{id}/handoff/save-example`: the review card's "Save as example" over the API."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from integrations.labelled_examples import LabelledExampleView
from policies.loader import load_routing_policy
from worker.api_dependencies import CaseStore, TicketId, audit, case_store
from worker.api_errors import error_body, error_responses
from worker.auth import Principal, authenticated
from worker.example_saving import ExampleRefused, ExampleSubmission, save_example
from worker.handoff_submissions import require_agent

# Mounted before the hand-off verbs (its path would otherwise match `/handoff/{verb}`).
router = APIRouter(tags=["hand-offs"])


async def _agent(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
    return require_agent(principal)


@router.post(
    "/tickets/{ticket_id}/handoff/save-example",
    response_model=LabelledExampleView,
    status_code=201,
    responses=error_responses(
        401,
        (403, "not_an_agent, person_required or insufficient_scope"),
        (404, "not_found (no such ticket in the CRM)"),
        413,
        (422, "invalid_request (a label the case did not record and the body did not give)"),
    ),
)
async def post_save_example(
    ticket_id: TicketId,
    person: Annotated[Principal, Depends(_agent)],
    store: Annotated[CaseStore, Depends(case_store)],
    submission: ExampleSubmission | None = None,
) -> LabelledExampleView | JSONResponse:
    """Save the case as a labelled example for triage, with the person's corrected intent,
    route and reply (each defaults to what the case recorded). Audited as `example_saved`
    with the authenticated person."""
    policy = load_routing_policy().policy
    try:
        return await asyncio.to_thread(
            save_example,
            store,  # type: ignore[arg-type]
            policy,
            ticket_id,
            person.id,
            submission or ExampleSubmission(),
            "api",
        )
    except ExampleRefused as refused:
        await audit(store, person, ticket_id, "api_example_refused", refused.code)
        extra = {"errors": refused.errors} if refused.code == "invalid_request" else {}
        return JSONResponse(error_body(refused.code, refused.message, **extra), refused.status)
