"""Acting on a hand-off the way the API does: the `handoff_action` Update as a named person."""

from __future__ import annotations

import asyncio
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
    tickets: TicketRunner, handle: WorkflowHandle[Any, Any], timeout_s: float = 60
) -> TicketStatus:
    """The status once the hand-off waits for a person and the CRM has recorded it so."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    status: TicketStatus | None = None
    while loop.time() < deadline:
        status = await tickets.try_status(handle)
        review = status.review if status is not None else None
        if status is not None and review is not None and status.state == "escalated":
            rows = {r.handoff_id: r for r in tickets.store.list_handoffs(status.ticket_id)}
            row = rows.get(review.handoff_id)
            if row is not None and row.state == review.state:
                return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"the hand-off never opened; last status {status}")
