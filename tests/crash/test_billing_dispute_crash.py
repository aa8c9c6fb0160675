"""kill -9 a real worker during a billing adjustment, and cut the network after Stripe made it.

The billing-dispute case refunds a duplicate charge on a worker process reaching Stripe through
the fault proxy; the test counts refunds in the sandbox itself:

- A, killed before Stripe: the refund request is held at the proxy and never forwarded; a new
  worker's retry makes the refund.
- B, killed after Stripe: the refund exists, its answer never reached the worker; the new
  worker's pre-check finds it by its metadata instead of paying again.
- Network error after Stripe, no crash: the connection is cut once Stripe has the refund; the
  retry's pre-check finds it, so no second refund request is even sent (counted at the proxy:
  Idempotency-Key is never what saves it).
"""

from __future__ import annotations

import asyncio

import pytest
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import IDEMPOTENCY_METADATA_KEY, StripeBilling
from tests.crash.stripe_proxy import Boundary, StripeProxy
from tests.crash.test_worker_crash import (
    DEADLINE_SECONDS,
    REFUNDS_PATH,
    refund_attempts,
    replay,
    sandbox_refunds,
    wait_for_hold,
    wait_for_outcome,
)
from tests.crash.worker_process import WorkerProcesses
from tests.workflows.billing_dispute.complaints import Complaint, seed_complaint
from workflows.billing_dispute.contract import (
    BILLING_DISPUTE_WORKFLOW,
    BillingDisputeOutcome,
)
from workflows.case.contract import case_workflow_id

pytestmark = pytest.mark.slow

DUPLICATE = 2_500


async def start_dispute(client: Client, case: Complaint, task_queue: str) -> WorkflowHandle:
    return await client.start_workflow(
        BILLING_DISPUTE_WORKFLOW,
        case.request,
        id=case_workflow_id(case.request.ticket_id),
        task_queue=task_queue,
        result_type=BillingDisputeOutcome,
    )


async def seeded(
    crm_store: CrmStore, billing: StripeBilling, env: WorkflowEnvironment
) -> Complaint:
    return await asyncio.to_thread(
        seed_complaint,
        crm_store,
        billing,
        order_total_cents=DUPLICATE,
        charged_cents=[DUPLICATE, DUPLICATE],
        now=await env.get_current_time(),
    )


async def assert_adjusted_once(
    case: Complaint,
    handle: WorkflowHandle,
    outcome: BillingDisputeOutcome,
    crm_store: CrmStore,
    billing: StripeBilling,
) -> bool:
    """Exactly one refund of the duplicate in Stripe, the one the case reports and the CRM
    holds; returns whether the case found it existing."""
    assert outcome.state == "resolved", outcome
    [adjustment] = outcome.adjustments
    listed = [await sandbox_refunds(billing, charge) for charge in case.charges]
    assert sorted(len(refunds) for refunds in listed) == [0, 1], listed
    [refund] = [r for refunds in listed for r in refunds]
    assert (refund.refund_id, refund.amount_cents) == (adjustment.object_id, DUPLICATE)
    assert refund.metadata[IDEMPOTENCY_METADATA_KEY] == (
        f"{handle.id}:adjust:{adjustment.charge_id}"
    )
    ticket = await asyncio.to_thread(crm_store.get_ticket, case.request.ticket_id)
    assert ticket is not None and ticket.status == "resolved"
    assert [r.refund_id for r in ticket.refunds] == [refund.refund_id]
    return adjustment.found_existing


@pytest.mark.parametrize(
    ("boundary", "refunds_at_kill", "found_existing"),
    [
        pytest.param(Boundary.BEFORE_STRIPE, 0, False, id="A-before-stripe"),
        pytest.param(Boundary.AFTER_STRIPE, 1, True, id="B-refund-created-answer-lost"),
    ],
)
async def test_worker_killed_during_the_adjustment(
    boundary: Boundary,
    refunds_at_kill: int,
    found_existing: bool,
    workers: WorkerProcesses,
    stripe_proxy: StripeProxy,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    dev_server_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    case = await seeded(crm_store, stripe_billing, dev_server_env)
    hold = stripe_proxy.hold("POST", REFUNDS_PATH, boundary)
    first = workers.start()
    handle = await start_dispute(dev_server_env.client, case, task_queue)

    await wait_for_hold(hold, workers, first)
    workers.kill(first)
    at_kill = [await sandbox_refunds(stripe_billing, charge) for charge in case.charges]
    assert sum(len(refunds) for refunds in at_kill) == refunds_at_kill
    hold.drop_connection()

    second = workers.start()
    await workers.wait_polling(second)
    outcome = await wait_for_outcome(handle, workers, second)

    assert await assert_adjusted_once(case, handle, outcome, crm_store, stripe_billing) is (
        found_existing
    )
    assert await refund_attempts(handle) >= 2
    await replay(handle)


async def test_network_cut_after_stripe_refunded_is_found_by_the_pre_check(
    workers: WorkerProcesses,
    stripe_proxy: StripeProxy,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    dev_server_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    case = await seeded(crm_store, stripe_billing, dev_server_env)
    hold = stripe_proxy.hold("POST", REFUNDS_PATH, Boundary.AFTER_STRIPE)
    worker = workers.start()
    handle = await start_dispute(dev_server_env.client, case, task_queue)

    await wait_for_hold(hold, workers, worker)
    hold.drop_connection()  # Stripe has the refund; the worker gets a connection error
    outcome = await asyncio.wait_for(wait_for_outcome(handle, workers, worker), DEADLINE_SECONDS)

    assert await assert_adjusted_once(case, handle, outcome, crm_store, stripe_billing) is True
    assert len(stripe_proxy.calls_to("POST", REFUNDS_PATH)) == 1
    assert await refund_attempts(handle) >= 2
    await replay(handle)
