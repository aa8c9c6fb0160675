"""kill -9 the worker while a refund a person handed back is being paid.

A "let me talk to a human" ticket is handed off; an agent hands it back to automation with the
refund process on the customer's order. The refund request reaches Stripe, Stripe creates the
refund, and the worker dies before the answer arrives. A fresh worker process must finish the
case with exactly one refund in Stripe, found by its idempotency metadata rather than paid again,
and the ticket's case must close with the refund's outcome.
"""

from __future__ import annotations

import asyncio

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import IDEMPOTENCY_METADATA_KEY, StripeBilling
from tests.crash.stripe_proxy import Boundary, StripeProxy
from tests.crash.test_worker_crash import (
    AUTO_AMOUNT,
    DEADLINE_SECONDS,
    REFUNDS_PATH,
    replay,
    sandbox_refunds,
    wait_for_hold,
    wait_for_outcome,
)
from tests.crash.worker_process import WorkerProcesses, poll_until
from tests.workflows.case_factory import seed_case
from workflows.case.contract import case_workflow_id
from workflows.ticket.contract import TICKET_WORKFLOW, TicketOutcome, TicketRequest
from workflows.ticket.review_contract import (
    HANDOFF_ACTION_UPDATE,
    HandbackInstruction,
    HandoffAction,
    HandoffReceipt,
)

pytestmark = pytest.mark.slow


async def test_worker_killed_while_a_handed_back_refund_is_paid(
    workers: WorkerProcesses,
    stripe_proxy: StripeProxy,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    dev_server_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    case = seed_case(crm_store, stripe_billing, amount_cents=AUTO_AMOUNT)
    ticket_id = case.request.ticket_id
    hold = stripe_proxy.hold("POST", REFUNDS_PATH, Boundary.AFTER_STRIPE)
    first = workers.start()
    handle: WorkflowHandle = await dev_server_env.client.start_workflow(
        TICKET_WORKFLOW,
        TicketRequest(
            ticket_id=ticket_id,
            customer_id=case.request.customer_id,
            subject="Help",
            body="Let me talk to a human please, not a bot.",
        ),
        id=case_workflow_id(ticket_id),
        task_queue=task_queue,
        result_type=TicketOutcome,
    )

    async def handed_off() -> bool:
        workers.check_alive(first)
        return bool(await asyncio.to_thread(crm_store.list_handoffs, ticket_id))

    await poll_until(handed_off, DEADLINE_SECONDS, f"{ticket_id} to be handed off")
    receipt = await handle.execute_update(
        HANDOFF_ACTION_UPDATE,
        HandoffAction(
            action="handback",
            person="alice",
            instruction=HandbackInstruction(
                kind="start_process", process="refund", order_id=case.request.order_id
            ),
        ),
        result_type=HandoffReceipt,
    )
    assert receipt.state == "handed_back"

    await wait_for_hold(hold, workers, first)
    workers.kill(first)
    assert len(await sandbox_refunds(stripe_billing, case.charge_id)) == 1
    hold.drop_connection()

    second = workers.start()
    await workers.wait_polling(second)
    outcome: TicketOutcome = await wait_for_outcome(handle, workers, second)  # type: ignore[assignment]

    assert (outcome.state, outcome.route) == ("resolved", "start_process"), outcome
    assert outcome.process_outcome is not None and outcome.process_workflow_id is not None
    refunds = await sandbox_refunds(stripe_billing, case.charge_id)
    assert [(r.refund_id, r.amount_cents) for r in refunds] == [
        (outcome.process_outcome.refund_id, AUTO_AMOUNT)
    ]
    assert refunds[0].metadata[IDEMPOTENCY_METADATA_KEY] == f"{outcome.process_workflow_id}:refund"
    ticket = await asyncio.to_thread(crm_store.get_ticket, ticket_id)
    assert ticket is not None
    assert [r.refund_id for r in ticket.refunds] == [refunds[0].refund_id]
    [row] = await asyncio.to_thread(crm_store.list_handoffs, ticket_id)
    assert (row.ending, row.resolved_by) == ("process_started", "alice")
    await replay(handle)
    await replay(dev_server_env.client.get_workflow_handle(outcome.process_workflow_id))
