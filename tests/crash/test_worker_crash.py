"""kill -9 a real worker process at the step boundaries where money could be paid twice or lost.

Each test runs the refund case on a worker process, kills it with SIGKILL at one boundary, starts
a fresh process and waits for the case to finish. Whatever the boundary, Stripe must hold exactly
one refund for the charge, with the amount the policy allowed, and the CRM and the workflow must
agree on it:

- A, before Stripe: the refund request is held at the proxy and never forwarded. The dead
  attempt times out (start-to-close, 15 s) and the next attempt creates the refund.
- B, after Stripe: Stripe created the refund, the answer never reached the worker. The next
  attempt must find that refund by its metadata instead of paying again (its pre-check runs
  before any POST, so it finds the refund even where Idempotency-Key would not help: past
  Stripe's 24 h window, or on a server that ignores keys).
- C, waiting for approval: the new worker rebuilds the case from history, with the same approval
  request id, and the approval Update still reaches it.
- D, after delivery: the worker had Stripe's answer when it died; whether or not the result
  reached Temporal, the case completes with the one refund.
"""

from __future__ import annotations

import asyncio
import subprocess

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from integrations.crm_store.store import CrmStore
from integrations.crm_store.views import TicketView
from integrations.stripe_billing import IDEMPOTENCY_METADATA_KEY, StripeBilling, StripeRefund
from tests.crash.stripe_proxy import Boundary, Hold, StripeProxy
from tests.crash.worker_process import WorkerProcesses, poll_until
from tests.workflows.case_factory import SeededCase, seed_case
from worker.data_converter import data_converter
from worker.worker_app import WORKFLOWS
from workflows.case.contract import (
    DECIDE_APPROVAL_UPDATE,
    STATUS_QUERY,
    ApprovalDecision,
    ApprovalReceipt,
    case_workflow_id,
)
from workflows.refund.contract import REFUND_WORKFLOW, RefundOutcome, RefundStatus

pytestmark = pytest.mark.slow

# Under the default policy: up to 50.00 is refunded without a human, up to 500.00 needs one.
AUTO_AMOUNT = 3_500
APPROVAL_AMOUNT = 18_000
REFUNDS_PATH = "/v1/refunds"
# Generous: a dead attempt waits out its 15 s start-to-close timeout, then a retry backoff, on
# two cores shared with other test runs.
DEADLINE_SECONDS = 180.0


async def start_case(client: Client, case: SeededCase, task_queue: str) -> WorkflowHandle:
    return await client.start_workflow(
        REFUND_WORKFLOW,
        case.request,
        id=case_workflow_id(case.request.ticket_id),
        task_queue=task_queue,
        result_type=RefundOutcome,
    )


async def wait_for_hold(
    hold: Hold, workers: WorkerProcesses, process: subprocess.Popen[bytes]
) -> None:
    async def reached() -> bool:
        workers.check_alive(process)
        return hold.reached.is_set()

    await poll_until(reached, DEADLINE_SECONDS, f"the refund call to reach {hold.boundary}")


async def wait_for_outcome(
    handle: WorkflowHandle, workers: WorkerProcesses, process: subprocess.Popen[bytes]
) -> RefundOutcome:
    async def closed() -> bool:
        workers.check_alive(process)
        description = await handle.describe()
        return description.status != WorkflowExecutionStatus.RUNNING

    await poll_until(closed, DEADLINE_SECONDS, f"{handle.id} to close")
    outcome: RefundOutcome = await handle.result()
    return outcome


async def query_status(
    handle: WorkflowHandle, workers: WorkerProcesses, process: subprocess.Popen[bytes]
) -> RefundStatus:
    """The `status` query, retried: right after a crash the server may first offer it to the
    dead worker's sticky queue, and only a live worker can answer."""
    answers: list[RefundStatus] = []

    async def answered() -> bool:
        workers.check_alive(process)
        try:
            answers.append(await handle.query(STATUS_QUERY, result_type=RefundStatus))
        except RPCError:
            return False
        return True

    await poll_until(answered, DEADLINE_SECONDS, f"{handle.id} to answer its status query")
    return answers[-1]


async def sandbox_refunds(billing: StripeBilling, charge_id: str) -> list[StripeRefund]:
    """Straight from the sandbox (not through the proxy): what Stripe really holds."""
    return await asyncio.to_thread(billing.list_refunds, charge_id)


async def assert_refunded_once(
    case: SeededCase,
    handle: WorkflowHandle,
    outcome: RefundOutcome,
    crm_store: CrmStore,
    billing: StripeBilling,
) -> TicketView:
    assert outcome.state == "resolved", outcome
    assert outcome.amount_cents == case.amount_cents
    refunds = await sandbox_refunds(billing, case.charge_id)
    assert [(r.refund_id, r.amount_cents) for r in refunds] == [
        (outcome.refund_id, case.amount_cents)
    ]
    assert refunds[0].metadata[IDEMPOTENCY_METADATA_KEY] == f"{handle.id}:refund"
    ticket = await asyncio.to_thread(crm_store.get_ticket, case.request.ticket_id)
    assert ticket is not None and ticket.status == "resolved"
    assert [(r.refund_id, r.amount_cents) for r in ticket.refunds] == [
        (outcome.refund_id, case.amount_cents)
    ]
    return ticket


async def refund_attempts(handle: WorkflowHandle) -> int:
    """The attempt of `issue_refund` that completed, as recorded in history."""
    history = await handle.fetch_history()
    scheduled = {
        event.event_id
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and event.activity_task_scheduled_event_attributes.activity_type.name == "issue_refund"
    }
    attempts = [
        event.activity_task_started_event_attributes.attempt
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
        and event.activity_task_started_event_attributes.scheduled_event_id in scheduled
    ]
    assert len(attempts) == 1, f"issue_refund started {attempts}"
    return attempts[0]


async def replay(handle: WorkflowHandle) -> None:
    """The history, crash and retries included, must replay on the current code."""
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter())
    await replayer.replay_workflow(await handle.fetch_history())


def refund_audit_detail(ticket: TicketView) -> str:
    details = [e.detail for e in ticket.audit if e.action == "refund_issued"]
    assert len(details) == 1, details
    return details[0]


@pytest.mark.parametrize(
    ("boundary", "refunds_at_kill", "found_existing"),
    [
        pytest.param(Boundary.BEFORE_STRIPE, 0, False, id="A-before-stripe"),
        pytest.param(Boundary.AFTER_STRIPE, 1, True, id="B-refund-created-answer-lost"),
        pytest.param(Boundary.AFTER_DELIVERY, 1, None, id="D-answer-delivered"),
    ],
)
async def test_worker_killed_around_the_refund_call(
    boundary: Boundary,
    refunds_at_kill: int,
    found_existing: bool | None,
    workers: WorkerProcesses,
    stripe_proxy: StripeProxy,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    dev_server_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    case = seed_case(crm_store, stripe_billing, amount_cents=AUTO_AMOUNT)
    hold = stripe_proxy.hold("POST", REFUNDS_PATH, boundary)
    first = workers.start()
    handle = await start_case(dev_server_env.client, case, task_queue)

    await wait_for_hold(hold, workers, first)
    workers.kill(first)
    # The boundary is what Stripe holds at the moment of death, not what the proxy believes.
    assert len(await sandbox_refunds(stripe_billing, case.charge_id)) == refunds_at_kill
    hold.drop_connection()

    second = workers.start()
    await workers.wait_polling(second)
    outcome = await wait_for_outcome(handle, workers, second)

    ticket = await assert_refunded_once(case, handle, outcome, crm_store, stripe_billing)
    if found_existing is not None:
        # A dead attempt never completes: the refund was finished by the new worker's retry,
        # which created it (A) or found the one the dead attempt created (B).
        assert await refund_attempts(handle) >= 2
        assert ("(found existing)" in refund_audit_detail(ticket)) is found_existing
    await replay(handle)


async def test_worker_killed_while_case_waits_for_approval(
    workers: WorkerProcesses,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    dev_server_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    case = seed_case(crm_store, stripe_billing, amount_cents=APPROVAL_AMOUNT)
    first = workers.start()
    handle = await start_case(dev_server_env.client, case, task_queue)

    async def idle_awaiting_approval() -> bool:
        """Asked, recorded and posted: nothing left to run but the wait for a decision."""
        workers.check_alive(first)
        raw = (await handle.describe()).raw_description
        if raw.pending_activities or raw.HasField("pending_workflow_task"):
            return False
        status = await handle.query(STATUS_QUERY, result_type=RefundStatus)
        pending = await asyncio.to_thread(
            crm_store.pending_approval_for_ticket, case.request.ticket_id
        )
        return status.state == "awaiting_approval" and pending is not None

    await poll_until(idle_awaiting_approval, DEADLINE_SECONDS, "the case to await approval")
    before = await handle.query(STATUS_QUERY, result_type=RefundStatus)
    assert before.pending_approval is not None
    workers.kill(first)

    second = workers.start()
    await workers.wait_polling(second)
    after = await query_status(handle, workers, second)
    assert after.state == "awaiting_approval"
    assert after.pending_approval is not None
    # Minted with workflow.uuid4(): replay on a new worker must mint the same id, or every
    # approval link and Slack button sent before the crash would be refused as stale.
    assert after.pending_approval.request_id == before.pending_approval.request_id

    receipt = await asyncio.wait_for(
        handle.execute_update(
            DECIDE_APPROVAL_UPDATE,
            ApprovalDecision(
                request_id=after.pending_approval.request_id,
                approver="alice",
                decision="approve",
                amount_cents=APPROVAL_AMOUNT,
            ),
            result_type=ApprovalReceipt,
        ),
        DEADLINE_SECONDS,
    )
    assert receipt.status == "approved"
    outcome = await wait_for_outcome(handle, workers, second)

    ticket = await assert_refunded_once(case, handle, outcome, crm_store, stripe_billing)
    assert [(a.status, a.approved_by) for a in ticket.approvals] == [("approved", ["alice"])]
    await replay(handle)
