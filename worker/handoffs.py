"""Works a ticket's open hand-off from the API, CLI or Slack: the `handoff_action` and `reopen`
Updates and the `handoff_card` query of TicketWorkflow.

The workflow's validators decide who may do what; this module finds the case and names a
refusal in terms a caller can act on (not an agent, claimed by someone else, not waiting for a
person, ...) with the HTTP status the API answers with, instead of a Temporal error.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal, TypeVar

from pydantic import BaseModel
from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from worker.approval_refusals import CaseUnavailable
from worker.case_updates import UPDATE_RPC_TIMEOUT, update_answers
from workflows.case.contract import case_workflow_id
from workflows.ticket.contract import TICKET_WORKFLOW
from workflows.ticket.review_contract import (
    HANDOFF_ACTION_UPDATE,
    HANDOFF_CARD_QUERY,
    REOPEN_UPDATE,
    HandoffAction,
    HandoffCard,
    HandoffReceipt,
    ReopenReceipt,
    ReopenRequest,
)

Receipt = TypeVar("Receipt", bound=BaseModel)
HandoffRefusalCode = Literal[
    "not_an_agent",
    "claimed_by_other",
    "not_waiting_for_person",
    "stale_handoff",
    "no_draft",
    "invalid_action",
    "not_reopenable",
    "no_handoff",
    "not_found",
    "case_closed",
]
QUERY_RPC_TIMEOUT = timedelta(seconds=5)

# ApplicationError types of the desk's validators (workflows/ticket/review_desk.py).
_REFUSALS: dict[str, tuple[HandoffRefusalCode, int]] = {
    "NotAnAgent": ("not_an_agent", 403),
    "ClaimedByOther": ("claimed_by_other", 409),
    "NotAwaitingPerson": ("not_waiting_for_person", 409),
    "StaleHandoff": ("stale_handoff", 409),
    "NoDraft": ("no_draft", 409),
    "InvalidHandoffAction": ("invalid_action", 422),
    "NotReopenable": ("not_reopenable", 409),
}


class HandoffRefused(Exception):
    """The case did not take the action. `code` is stable for programs, `message` for people,
    `status` the HTTP status the API answers with."""

    def __init__(self, code: HandoffRefusalCode, message: str, status: int = 409) -> None:
        super().__init__(f"{code}: {message}")
        self.code: HandoffRefusalCode = code
        self.message = message
        self.status = status


async def act_on_handoff(client: Client, ticket_id: str, action: HandoffAction) -> HandoffReceipt:
    return await _update(client, ticket_id, HANDOFF_ACTION_UPDATE, action, HandoffReceipt)


async def reopen_case(client: Client, ticket_id: str, request: ReopenRequest) -> ReopenReceipt:
    return await _update(client, ticket_id, REOPEN_UPDATE, request, ReopenReceipt)


async def _update(
    client: Client, ticket_id: str, update: str, argument: BaseModel, result: type[Receipt]
) -> Receipt:
    workflow_id = case_workflow_id(ticket_id)
    async with update_answers(
        ticket_id,
        update.replace("_", " "),
        refused=lambda cause: _refusal(client, workflow_id, ticket_id, cause),
        missing=lambda: _missing(client, workflow_id, ticket_id),
    ):
        answer: Receipt = await client.get_workflow_handle(workflow_id).execute_update(
            update, argument, result_type=result, rpc_timeout=UPDATE_RPC_TIMEOUT
        )
    return answer


async def review_card(client: Client, ticket_id: str) -> HandoffCard:
    """The review card; a closed case still answers (a worker replays it)."""
    handle = client.get_workflow_handle(case_workflow_id(ticket_id))
    try:
        return await handle.query(
            HANDOFF_CARD_QUERY, result_type=HandoffCard, rpc_timeout=QUERY_RPC_TIMEOUT
        )
    except WorkflowQueryFailedError as failed:
        raise HandoffRefused(
            "no_handoff", f"Ticket {ticket_id} has no hand-off to review.", 404
        ) from failed
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise HandoffRefused("not_found", f"No case for ticket {ticket_id}.", 404) from err
        raise CaseUnavailable(f"Could not read the case of ticket {ticket_id}: {err}") from err


async def _refusal(
    client: Client, workflow_id: str, ticket_id: str, cause: BaseException
) -> Exception:
    if isinstance(cause, ApplicationError) and cause.type in _REFUSALS:
        code, status = _REFUSALS[cause.type]
        return HandoffRefused(code, f"Ticket {ticket_id}: {cause.message}", status)
    # A case of another process (a refund filed directly) has no hand-off Updates: the caller's
    # mistake. A TicketWorkflow failing its own handler is ours, reported as an outage.
    try:
        workflow_type = (await client.get_workflow_handle(workflow_id).describe()).workflow_type
    except RPCError as err:
        return CaseUnavailable(f"Could not describe the case of ticket {ticket_id}: {err}")
    if workflow_type != TICKET_WORKFLOW:
        return HandoffRefused(
            "not_waiting_for_person",
            f"Ticket {ticket_id} is handled by {workflow_type}, which has no hand-off.",
        )
    return CaseUnavailable(f"The case failed to take the hand-off action: {cause}")


async def _missing(client: Client, workflow_id: str, ticket_id: str) -> Exception:
    try:
        await client.get_workflow_handle(workflow_id).describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return HandoffRefused("not_found", f"No case for ticket {ticket_id}.", 404)
        return CaseUnavailable(f"Could not describe the case of ticket {ticket_id}: {err}")
    return HandoffRefused(
        "case_closed",
        f"The case for ticket {ticket_id} is closed (its reopen window has passed); "
        "file a new ticket.",
    )
