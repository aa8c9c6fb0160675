"""kill -9 the worker while it submits a chargeback's evidence, and hold that POST past its
attempt: Stripe must end up with exactly one submission carrying the case's key.

- before Stripe: the POST never reached Stripe; the next attempt (after the dead one's
  start-to-close timeout) submits.
- after Stripe: Stripe took the evidence, the answer was lost with the worker; the next
  attempt's pre-check finds the dispute carrying our key and does not submit again (Stripe
  would refuse a second submission anyway: the point is the case completes, not fails).
- held past the attempt, then delivered before the retry (no kill): the late POST lands; the
  retry finds it by the key in the dispute's metadata.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import IDEMPOTENCY_METADATA_KEY, StripeBilling
from integrations.stripe_disputes import StripeDisputes
from tests.crash.stripe_proxy import Boundary, Hold, StripeProxy
from tests.crash.worker_process import WorkerProcesses, poll_until
from tests.stripe_fixtures import SANDBOX_API_KEY
from tests.workflows.case_factory import seed_case
from worker.data_converter import data_converter
from worker.local_stack.stripe_extras.helpers import extras_call, open_dispute
from worker.worker_app import WORKFLOWS
from workflows.case.contract import DECIDE_APPROVAL_UPDATE, STATUS_QUERY, ApprovalDecision
from workflows.chargeback.contract import (
    CHARGEBACK_WORKFLOW,
    DISPUTE_EVENT_SIGNAL,
    ChargebackRequest,
    ChargebackStatus,
    DisputeEvent,
    chargeback_ticket_id,
    chargeback_workflow_id,
)

pytestmark = pytest.mark.slow
Check = Callable[[], None]
DEADLINE_SECONDS = 180.0


async def start_chargeback(client: Client, dispute_id: str, task_queue: str) -> WorkflowHandle:
    return await client.start_workflow(
        CHARGEBACK_WORKFLOW,
        ChargebackRequest(dispute_id=dispute_id),
        id=chargeback_workflow_id(dispute_id),
        task_queue=task_queue,
        start_signal=DISPUTE_EVENT_SIGNAL,
        start_signal_args=[
            DisputeEvent(
                event_id=f"evt_{dispute_id}",
                type="charge.dispute.created",
                dispute_id=dispute_id,
                status="needs_response",
                created=datetime.now(UTC),
            )
        ],
    )


async def status(handle: WorkflowHandle, check: Check) -> ChargebackStatus:
    answers: list[ChargebackStatus] = []

    async def answered() -> bool:
        check()
        try:
            answers.append(await handle.query(STATUS_QUERY, result_type=ChargebackStatus))
        except RPCError:
            return False
        return answers[-1].state == "awaiting_approval"

    await poll_until(answered, DEADLINE_SECONDS, f"{handle.id} to await its review")
    return answers[-1]


async def approve(handle: WorkflowHandle, check: Check) -> None:
    pending = (await status(handle, check)).pending_approval
    assert pending is not None
    await handle.execute_update(
        DECIDE_APPROVAL_UPDATE,
        ApprovalDecision(request_id=pending.request_id, approver="alice", decision="approve"),
    )


async def wait_hold(hold: Hold, check: Check) -> None:
    async def reached() -> bool:
        check()
        return hold.reached.is_set()

    await poll_until(reached, DEADLINE_SECONDS, f"the evidence POST to reach {hold.boundary}")


async def finish(
    handle: WorkflowHandle,
    dispute_id: str,
    stripe: str,
    check: Check,
) -> dict:  # type: ignore[type-arg]
    disputes = StripeDisputes(SANDBOX_API_KEY, stripe)

    async def submitted() -> bool:
        check()
        return (await asyncio.to_thread(disputes.get_dispute, dispute_id)).submission_count > 0

    await poll_until(submitted, DEADLINE_SECONDS, "the evidence to be submitted")
    await asyncio.to_thread(
        extras_call, stripe, f"/_extras/disputes/{dispute_id}/settle", {"status": "won"}
    )
    await handle.signal(
        DISPUTE_EVENT_SIGNAL,
        DisputeEvent(
            event_id=f"evt_{dispute_id}_closed",
            type="charge.dispute.closed",
            dispute_id=dispute_id,
            status="won",
            created=datetime.now(UTC),
        ),
    )

    async def closed() -> bool:
        check()
        return (await handle.describe()).status != WorkflowExecutionStatus.RUNNING

    await poll_until(closed, DEADLINE_SECONDS, f"{handle.id} to close")
    outcome: dict = await handle.result()  # type: ignore[type-arg]
    return outcome


async def assert_submitted_once(
    handle: WorkflowHandle, dispute_id: str, stripe: str, crm_store: CrmStore, found: bool
) -> None:
    dispute = StripeDisputes(SANDBOX_API_KEY, stripe).get_dispute(dispute_id)
    assert dispute.submission_count == 1
    assert dispute.metadata[IDEMPOTENCY_METADATA_KEY] == f"{handle.id}:contest"
    ticket = await asyncio.to_thread(crm_store.get_ticket, chargeback_ticket_id(dispute_id))
    assert ticket is not None and ticket.status == "resolved"
    details = [e.detail for e in ticket.audit if e.action == "evidence_submitted"]
    assert len(details) == 1 and ("found existing" in details[0]) is found, details
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter())
    await replayer.replay_workflow(await handle.fetch_history())


@pytest.mark.parametrize(
    ("boundary", "submitted_at_kill"),
    [
        pytest.param(Boundary.BEFORE_STRIPE, 0, id="before-stripe"),
        pytest.param(Boundary.AFTER_STRIPE, 1, id="submitted-answer-lost"),
    ],
)
async def test_worker_killed_during_evidence_submission(
    boundary: Boundary,
    submitted_at_kill: int,
    workers: WorkerProcesses,
    stripe_proxy: StripeProxy,
    stripe_sandbox: str,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    dev_server_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    case = seed_case(crm_store, stripe_billing, amount_cents=7_000)
    dispute_id = open_dispute(stripe_sandbox, case.charge_id, reason="product_unacceptable")["id"]
    hold = stripe_proxy.hold("POST", f"/v1/disputes/{dispute_id}", boundary)
    first = workers.start()
    handle = await start_chargeback(dev_server_env.client, dispute_id, task_queue)
    await approve(handle, lambda: workers.check_alive(first))
    await wait_hold(hold, lambda: workers.check_alive(first))
    workers.kill(first)
    disputes = StripeDisputes(SANDBOX_API_KEY, stripe_sandbox)
    assert disputes.get_dispute(dispute_id).submission_count == submitted_at_kill
    hold.drop_connection()

    second = workers.start()
    await workers.wait_polling(second)
    outcome = await finish(handle, dispute_id, stripe_sandbox, lambda: workers.check_alive(second))
    assert outcome["dispute_status"] == "won"
    await assert_submitted_once(
        handle, dispute_id, stripe_sandbox, crm_store, found=bool(submitted_at_kill)
    )


async def test_evidence_post_held_past_its_attempt_lands_once(
    workers: WorkerProcesses,
    stripe_proxy: StripeProxy,
    stripe_sandbox: str,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    dev_server_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    case = seed_case(crm_store, stripe_billing, amount_cents=7_000)
    dispute_id = open_dispute(stripe_sandbox, case.charge_id, reason="product_unacceptable")["id"]
    stripe_proxy.hold("POST", f"/v1/disputes/{dispute_id}", Boundary.UNTIL_NEXT_CALL)
    worker = workers.start()
    handle = await start_chargeback(dev_server_env.client, dispute_id, task_queue)
    await approve(handle, lambda: workers.check_alive(worker))
    outcome = await finish(handle, dispute_id, stripe_sandbox, lambda: workers.check_alive(worker))
    assert outcome["dispute_status"] == "won"
    # Both POSTs reached Stripe (the late one first, then the retry, replayed by its key).
    assert len(stripe_proxy.calls_to("POST", f"/v1/disputes/{dispute_id}")) == 2
    await assert_submitted_once(handle, dispute_id, stripe_sandbox, crm_store, found=False)
