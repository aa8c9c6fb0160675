"""kill -9 a real worker process while it provisions a signup: Stripe must end with one customer
and one subscription for the application, and the CRM with one account.

- A, before Stripe: the subscription request is held at the proxy and never forwarded; the dead
  attempt times out and the new worker's retry creates the subscription.
- B, after Stripe: Stripe created the subscription, the answer never reached the worker; the
  retry's pre-check finds it by the application id in its metadata instead of making another.
"""

from __future__ import annotations

import asyncio

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from integrations.crm_onboarding import OnboardingCrm
from integrations.crm_store.store import CrmStore
from integrations.stripe_onboarding import StripeOnboarding
from tests.crash.stripe_proxy import Boundary, StripeProxy
from tests.crash.test_worker_crash import DEADLINE_SECONDS, wait_for_hold
from tests.crash.worker_process import WorkerProcesses, poll_until
from tests.onboarding.conftest import ADDRESS, CONTACT, PAYMENT, PLAN
from tests.stripe_fixtures import SANDBOX_API_KEY
from worker.data_converter import data_converter
from worker.local_stack.onboarding_catalogue import seed_catalogue
from worker.worker_app import WORKFLOWS
from workflows.onboarding.contract import (
    ONBOARDING_WORKFLOW,
    SUBMIT_STEP_UPDATE,
    OnboardingOutcome,
    OnboardingRequest,
    StepReceipt,
    StepSubmission,
    onboarding_workflow_id,
)

pytestmark = pytest.mark.slow


async def _submit(handle: WorkflowHandle, step: str, fields: dict[str, str]) -> None:
    await asyncio.wait_for(
        handle.execute_update(
            SUBMIT_STEP_UPDATE,
            StepSubmission(step=step, fields=fields),
            result_type=StepReceipt,
        ),
        DEADLINE_SECONDS,
    )


@pytest.mark.parametrize(
    ("boundary", "subscriptions_at_kill"),
    [
        pytest.param(Boundary.BEFORE_STRIPE, 0, id="A-before-stripe"),
        pytest.param(Boundary.AFTER_STRIPE, 1, id="B-created-answer-lost"),
    ],
)
async def test_worker_killed_while_provisioning(
    boundary: Boundary,
    subscriptions_at_kill: int,
    workers: WorkerProcesses,
    stripe_proxy: StripeProxy,
    stripe_sandbox: str,
    crm_store: CrmStore,
    dev_server_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    stripe = StripeOnboarding(SANDBOX_API_KEY, stripe_sandbox)  # straight to the sandbox
    seed_catalogue(crm_store, stripe)
    app_id = f"CRASH-{boundary.value}"
    email = f"{app_id.lower()}@example.com"
    hold = stripe_proxy.hold("POST", "/v1/subscriptions", boundary)
    first = workers.start()
    handle = await dev_server_env.client.start_workflow(
        ONBOARDING_WORKFLOW,
        OnboardingRequest(application_id=app_id),
        id=onboarding_workflow_id(app_id),
        task_queue=task_queue,
        result_type=OnboardingOutcome,
    )
    for step, fields in (
        ("contact", CONTACT | {"email": email}),
        ("address", ADDRESS),
        ("plan", PLAN),
        ("payment", PAYMENT),
    ):
        await _submit(handle, step, fields)

    await wait_for_hold(hold, workers, first)
    workers.kill(first)
    [customer] = await asyncio.to_thread(stripe.customers_for, app_id, email)
    at_kill = await asyncio.to_thread(stripe.subscriptions_for, customer, app_id)
    assert len(at_kill) == subscriptions_at_kill
    hold.drop_connection()

    second = workers.start()
    await workers.wait_polling(second)

    async def closed() -> bool:
        workers.check_alive(second)
        return (await handle.describe()).status.name != "RUNNING"  # type: ignore[union-attr]

    await poll_until(closed, DEADLINE_SECONDS, f"{handle.id} to close")
    outcome: OnboardingOutcome = await handle.result()
    assert outcome.state == "resolved", outcome
    assert await asyncio.to_thread(stripe.customers_for, app_id, email) == [customer]
    subscriptions = await asyncio.to_thread(stripe.subscriptions_for, customer, app_id)
    assert subscriptions == [outcome.subscription_id]
    if subscriptions_at_kill:
        assert subscriptions == at_kill  # found, not made again
    accounts = OnboardingCrm(crm_store).accounts_for(app_id)
    assert [a.stripe_subscription_id for a in accounts] == subscriptions
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter())
    await replayer.replay_workflow(await handle.fetch_history())
