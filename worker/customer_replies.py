"""Delivers a customer's reply to a waiting ticket: the `customer_reply` Update of TicketWorkflow.

Shared by `POST /tickets/{id}/replies` and `supportflow reply`. The workflow's Update validator
decides whether the ticket is waiting for a reply; this module only finds the case, and names a
refusal in terms a helpdesk can act on (unknown ticket, not waiting, closed) instead of letting a
Temporal error surface as a server error.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError
from temporalio.client import (
    Client,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from integrations.card_numbers import redact_card_numbers
from worker.approval_refusals import CaseUnavailable
from worker.case_updates import UPDATE_RPC_TIMEOUT, update_answers
from workflows.case.contract import case_workflow_id
from workflows.ticket.contract import (
    CUSTOMER_REPLY_UPDATE,
    TICKET_WORKFLOW,
    CustomerReplyInput,
    ReplyReceipt,
)

ReplyRefusalCode = Literal["not_found", "not_awaiting_reply", "case_closed"]

# An Update waits for a worker to run the validator; without one it would hang the caller.
REPLY_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
_BLANK = re.compile(r"^\s*$")


class ReplyRefused(Exception):
    """The reply was not delivered. `code` is stable for programs, `message` for people."""

    def __init__(self, code: ReplyRefusalCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code: ReplyRefusalCode = code
        self.message = message


class ReplySubmission(BaseModel):
    """A customer's reply as a helpdesk forwards it. `reply_id` (the helpdesk's message id) makes
    a retried delivery return the first receipt instead of being refused as a second reply."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: str = Field(min_length=1, max_length=20_000)
    channel: str = Field("api", min_length=1, max_length=32)
    reply_id: str | None = Field(None, min_length=1, max_length=64, pattern=REPLY_ID_PATTERN)

    @field_validator("text")
    @classmethod
    def _has_words(cls, text: str) -> str:
        # A blank reply would spend one of the ticket's clarification rounds on nothing.
        if _BLANK.match(text):
            raise PydanticCustomError("blank_reply", "the reply is blank")
        return text


class ReplyAccepted(ReplyReceipt):
    """The workflow's receipt: `round` is how many replies the ticket has received so far."""

    ticket_id: str
    workflow_id: str


async def send_reply(client: Client, ticket_id: str, reply: ReplySubmission) -> ReplyAccepted:
    """Runs the Update on the ticket's case; refusals are raised as ReplyRefused."""
    workflow_id = case_workflow_id(ticket_id)
    handle = client.get_workflow_handle(workflow_id)
    # Card numbers never reach the workflow's history; the flag makes the reply say why.
    redaction = redact_card_numbers(reply.text)
    async with update_answers(
        ticket_id,
        "reply",
        refused=lambda cause: _refusal_from(client, workflow_id, ticket_id, cause),
        missing=lambda: _missing_case_refusal(client, workflow_id, ticket_id),
    ):
        receipt = await handle.execute_update(
            CUSTOMER_REPLY_UPDATE,
            CustomerReplyInput(
                text=redaction.text, channel=reply.channel, card_data_removed=redaction.removed
            ),
            # Temporal dedupes Updates by id: the same helpdesk message delivered twice is one.
            id=f"reply:{reply.reply_id}" if reply.reply_id else None,
            result_type=ReplyReceipt,
            rpc_timeout=UPDATE_RPC_TIMEOUT,
        )
    return ReplyAccepted(ticket_id=ticket_id, workflow_id=workflow_id, **receipt.model_dump())


async def _refusal_from(
    client: Client, workflow_id: str, ticket_id: str, cause: BaseException
) -> Exception:
    if isinstance(cause, ApplicationError) and cause.type == "NotAwaitingReply":
        return ReplyRefused("not_awaiting_reply", f"Ticket {ticket_id}: {cause.message}")
    # Any other refusal: a case of a process that takes no replies (a refund filed directly has
    # no `customer_reply` handler) is the caller's mistake; a TicketWorkflow failing its own
    # handler is ours, and reported as an outage rather than a guessed refusal.
    try:
        workflow_type = (await client.get_workflow_handle(workflow_id).describe()).workflow_type
    except RPCError as err:
        return CaseUnavailable(f"Could not describe the case of ticket {ticket_id}: {err}")
    if workflow_type != TICKET_WORKFLOW:
        return ReplyRefused(
            "not_awaiting_reply",
            f"Ticket {ticket_id} is handled by {workflow_type}, which does not wait for "
            "customer replies.",
        )
    return CaseUnavailable(f"The case failed to take the reply: {cause}")


async def _missing_case_refusal(client: Client, workflow_id: str, ticket_id: str) -> Exception:
    """NOT_FOUND covers both a closed run and no run at all; describe tells them apart."""
    try:
        await client.get_workflow_handle(workflow_id).describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return ReplyRefused("not_found", f"No case for ticket {ticket_id}.")
        return CaseUnavailable(f"Could not describe the case of ticket {ticket_id}: {err}")
    return ReplyRefused(
        "case_closed",
        f"The case for ticket {ticket_id} is closed; file a new ticket to reopen the matter.",
    )
