"""A triaged ticket's process child can never collide with a ticket filed directly (issue 7,
defect 7: ticket `T-1002-refund` had the same workflow id as ticket `T-1002`'s refund child, so
the parent failed or "found" the other case's refund)."""

from __future__ import annotations

import uuid

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.triage.standin_refund import StandInRefundWorkflow
from tests.triage.test_ticket_workflow import knowledge, store, tickets  # noqa: F401
from tests.triage.ticket_harness import DANA, TicketRunner
from workflows.case.contract import case_workflow_id, process_workflow_id
from workflows.refund.contract import RefundRequest
from workflows.ticket.contract import TicketRequest
from workflows.ticket.workflow import TicketWorkflow


def test_child_ids_are_outside_every_ticket_id() -> None:
    parent = case_workflow_id("T-1002")
    child = process_workflow_id(parent, "refund")
    assert child == "refund-of-ticket-T-1002"
    assert not child.startswith("ticket-")  # every ticket's case id does
    assert case_workflow_id("T-1002-refund") != child
    with pytest.raises(ValueError):
        process_workflow_id(parent, "ticket")


async def test_a_ticket_named_like_a_child_does_not_capture_the_triaged_refund(
    tickets: TicketRunner,  # noqa: F811
    ticket_env: WorkflowEnvironment,
) -> None:
    ticket_id = f"T-{uuid.uuid4().hex[:8]}"
    # Ticket "<id>-refund" was filed directly and is still running (held open).
    lookalike = await tickets.client.start_workflow(
        StandInRefundWorkflow.run,
        RefundRequest(
            ticket_id=f"{ticket_id}-refund",
            customer_id=DANA.id,
            order_id="ord_other",
            subject="[hold] someone else's refund",
        ),
        id=case_workflow_id(f"{ticket_id}-refund"),
        task_queue=tickets.task_queue,
    )
    tickets.handles.append(lookalike)

    handle = await tickets.client.start_workflow(
        TicketWorkflow.run,
        TicketRequest(
            ticket_id=ticket_id,
            customer_id=DANA.id,
            subject="Broken kettle",
            body="The kettle from order ord_5001 arrived broken, please refund it.",
        ),
        id=case_workflow_id(ticket_id),
        task_queue=tickets.task_queue,
    )
    tickets.handles.append(handle)
    # No time skipping while the lookalike waits: skipped days would time it out.
    with ticket_env.auto_time_skipping_disabled():
        outcome = await handle.result()

    assert outcome.state == "resolved"
    assert outcome.process_workflow_id == process_workflow_id(handle.id, "refund")
    assert "ord_5001" in outcome.resolution  # its own refund, not the lookalike's
    child = await tickets.child_input(outcome.process_workflow_id)
    assert child.ticket_id == ticket_id
    await lookalike.signal(StandInRefundWorkflow.release)
    assert "ord_other" in (await lookalike.result()).resolution
