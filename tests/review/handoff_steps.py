"""Acting on a hand-off the way the API does: the `handoff_action` Update as a named person."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from tests.triage.ticket_harness import TicketRunner
from workflows.ticket.contract import TicketStatus
from workflows.ticket.review_contract import (
    HANDOFF_ACTION_UPDATE,
    HandoffAction,
    HandoffReceipt,
)


async def act(
    handle: WorkflowHandle[Any, Any], action: str, person: str, **fields: Any
) -> HandoffReceipt:
    return await handle.execute_update(
        HANDOFF_ACTION_UPDATE,
        HandoffAction(action=action, person=person, **fields),  # type: ignore[arg-type]
        result_type=HandoffReceipt,
    )


async def refused(handle: WorkflowHandle[Any, Any], action: str, person: str, **fields: Any) -> str:
    """The ApplicationError type the validator refused with."""
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await act(handle, action, person, **fields)
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    return cause.type or ""


async def waiting_for_person(
    tickets: TicketRunner, handle: WorkflowHandle[Any, Any]
) -> TicketStatus:
    """The status once the hand-off is open and recorded."""
    for _ in range(3):
        status = await tickets.wait_for_state(handle, "escalated")
        if status.review is not None:
            return status
    raise AssertionError("the hand-off never opened")
