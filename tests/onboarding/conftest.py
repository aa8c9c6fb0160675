"""A real worker on the time-skipping server with the onboarding's systems: the SQLite CRM with
the demo catalogue, and the Stripe sandbox (with Stripe plans for the catalogue)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.handoff import HandoffActivities
from integrations.crm_store import CrmStore
from integrations.stripe_onboarding import StripeOnboarding
from tests.stripe_fixtures import SANDBOX_API_KEY, stripe_billing, stripe_sandbox  # noqa: F401
from tests.workflows.conftest import worker_deps  # noqa: F401
from worker.data_converter import data_converter
from worker.local_stack.onboarding_catalogue import seed_catalogue
from worker.worker_app import WORKFLOWS, WorkerDeps, activity_list
from workflows.case.contract import STATUS_QUERY
from workflows.onboarding.contract import (
    OnboardingRequest,
    OnboardingStatus,
    StepReceipt,
    StepSubmission,
    onboarding_workflow_id,
)
from workflows.onboarding.workflow import OnboardingWorkflow

HISTORY_DIR = Path(__file__).resolve().parent.parent / "histories"

CONTACT = {"email": "ada@example.com", "full_name": "Ada Byron", "phone": "+44 7700 900123"}
ADDRESS = {
    "country": "GB",
    "region": "north",
    "postal_code": "LS1 5AB",
    "customer_type": "individual",
}
PLAN = {"plan_id": "plus_5g", "device_model": "pixel-9"}
PAYMENT = {"payment_method": "pm_card_visa"}


@pytest.fixture
def signup_stripe(stripe_sandbox: str) -> StripeOnboarding:  # noqa: F811
    return StripeOnboarding(SANDBOX_API_KEY, stripe_sandbox)


@pytest.fixture
def catalogue(crm_store: CrmStore, signup_stripe: StripeOnboarding) -> None:
    seed_catalogue(crm_store, signup_stripe)


class Signups:
    """Starts signups on a live worker, submits steps, and replays every history at the end."""

    def __init__(self, env: WorkflowEnvironment, task_queue: str) -> None:
        self.env = env
        self.task_queue = task_queue
        self.handles: list[WorkflowHandle] = []

    async def start(self, application_id: str, customer_id: str | None = None) -> WorkflowHandle:
        handle = await self.env.client.start_workflow(
            OnboardingWorkflow.run,
            OnboardingRequest(application_id=application_id, customer_id=customer_id),
            id=onboarding_workflow_id(application_id),
            task_queue=self.task_queue,
        )
        self.handles.append(handle)
        await self.wait_for(handle, lambda s: s.state == "awaiting_customer")
        return handle

    async def submit(
        self, handle: WorkflowHandle, step: str, fields: dict[str, str], by: str = "customer"
    ) -> StepReceipt:
        receipt: StepReceipt = await handle.execute_update(
            OnboardingWorkflow.submit_step,
            StepSubmission(step=step, fields=fields, submitted_by=by),
        )
        return receipt

    async def refused(
        self, handle: WorkflowHandle, step: str, fields: dict[str, str]
    ) -> ApplicationError:
        with pytest.raises(WorkflowUpdateFailedError) as failed:
            await self.submit(handle, step, fields)
        cause = failed.value.cause
        assert isinstance(cause, ApplicationError)
        return cause

    @staticmethod
    async def status(handle: WorkflowHandle) -> OnboardingStatus:
        status: OnboardingStatus = await handle.query(STATUS_QUERY, result_type=OnboardingStatus)
        return status

    async def wait_for(self, handle: WorkflowHandle, ready: object) -> OnboardingStatus:
        assert callable(ready)
        status = await self.status(handle)
        for _ in range(400):
            status = await self.status(handle)
            if ready(status):
                return status
            await asyncio.sleep(0.05)
        raise AssertionError(f"signup never got there; last status {status}")

    async def settled(self, handle: WorkflowHandle) -> OnboardingStatus:
        """Waits until no submitted step is still being checked."""
        return await self.wait_for(
            handle,
            lambda s: s.state != "in_process" and all(p.state != "submitted" for p in s.steps),
        )

    async def keep(self, handle: WorkflowHandle, name: str) -> None:
        if os.environ.get("SUPPORTFLOW_RECORD_HISTORIES") != "1":
            return
        history = await handle.fetch_history()
        (HISTORY_DIR / f"onboarding_{name}.json").write_text(history.to_json())

    async def replay_all(self) -> None:
        for handle in self.handles:
            with contextlib.suppress(RPCError):
                await handle.terminate("test ended")
        replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter())
        for handle in self.handles:
            await replayer.replay_workflow(await handle.fetch_history())


@pytest_asyncio.fixture
async def signups(
    time_skipping_env: WorkflowEnvironment,
    worker_deps: WorkerDeps,  # noqa: F811
    signup_stripe: StripeOnboarding,
    crm_store: CrmStore,
    catalogue: None,
    task_queue: str,
) -> AsyncIterator[Signups]:
    deps = replace(worker_deps, signup_billing=signup_stripe)
    runner = Signups(time_skipping_env, task_queue)
    async with Worker(
        time_skipping_env.client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[*activity_list(deps), HandoffActivities(crm_store).queue_customer_message],
        activity_executor=ThreadPoolExecutor(8),
        # No cache: every workflow task replays from history.
        max_cached_workflows=0,
    ):
        yield runner
    await runner.replay_all()


@pytest_asyncio.fixture
async def dev_worker(
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
    worker_deps: WorkerDeps,  # noqa: F811
    signup_stripe: StripeOnboarding,
    catalogue: None,
    task_queue: str,
) -> AsyncIterator[None]:
    """The production workflows and activities on the dev server, for the API and CLI tests."""
    deps = replace(worker_deps, signup_billing=signup_stripe)
    async with Worker(
        dev_server_env.client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[*activity_list(deps), HandoffActivities(crm_store).queue_customer_message],
        activity_executor=ThreadPoolExecutor(8),
    ):
        yield
