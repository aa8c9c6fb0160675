"""Billing-dispute cases on a real worker (time-skipping server, no workflow cache), against the
Stripe sandbox and a SQLite CRM; every history a test produced is replayed at the end."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.policy import PolicyActivities
from integrations.crm_store import CrmStore
from integrations.stripe_billing import StripeBilling
from integrations.stripe_credits import StripeCredits
from tests.conftest import time_skipping_server
from tests.stripe_fixtures import SANDBOX_API_KEY
from tests.workflows.billing_dispute.complaints import Complaint, seed_complaint
from tests.workflows.conftest import HISTORY_DIR, CaseRunner
from worker.settings import Settings
from worker.worker_app import WorkerDeps, build_worker
from workflows.billing_dispute.contract import (
    BillingDisputeOutcome,
    BillingDisputeRequest,
    BillingDisputeStatus,
)
from workflows.billing_dispute.workflow import BillingDisputeWorkflow


class DisputeRunner(CaseRunner):
    """The refund tests' runner (replays every history at the end) for billing disputes."""

    async def seed(self, store: CrmStore, billing: StripeBilling, **case: Any) -> Complaint:  # type: ignore[override]
        return seed_complaint(store, billing, now=await self.env.get_current_time(), **case)

    async def start(  # type: ignore[override]
        self, request: BillingDisputeRequest
    ) -> WorkflowHandle[BillingDisputeWorkflow, BillingDisputeOutcome]:
        handle = await self.client.start_workflow(
            BillingDisputeWorkflow.run,
            request,
            id=f"ticket-{request.ticket_id}",
            task_queue=self.task_queue,
        )
        self.handles.append(handle)
        return handle

    async def keep(self, handle: WorkflowHandle, name: str) -> None:
        """Stores the history under tests/histories when SUPPORTFLOW_RECORD_HISTORIES=1."""
        if os.environ.get("SUPPORTFLOW_RECORD_HISTORIES") == "1":
            history = await handle.fetch_history()
            (HISTORY_DIR / f"billing_dispute_{name}.json").write_text(history.to_json())


async def dispute_status(handle: WorkflowHandle) -> BillingDisputeStatus:
    return await handle.query("status", result_type=BillingDisputeStatus)


@pytest_asyncio.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of each test's own. The sandbox stamps charges with the wall
    clock and the workflow reads them over the policy's look-back from `workflow.now()`; on a
    shared server, another test's idle case may already have skipped that clock years ahead."""
    async with time_skipping_server() as env:
        yield env


@pytest.fixture
def policy_changes(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Changes to policies/billing_dispute.json for one test (indirect parametrize)."""
    return dict(getattr(request, "param", {}))


@pytest.fixture
def dispute_deps(
    worker_deps: WorkerDeps, stripe_sandbox: str, policy_changes: dict[str, Any], tmp_path: Path
) -> WorkerDeps:
    """The workflow tests' deps plus customer balance credits, and the billing policy with the
    test's changes (the other policies as shipped)."""
    policy = worker_deps.policy
    if policy_changes:
        shipped = Path(__file__).resolve().parents[3] / "policies" / "billing_dispute.json"
        data = json.loads(shipped.read_text()) | policy_changes
        (tmp_path / "billing_dispute.json").write_text(json.dumps(data))
        policy = PolicyActivities(policy_dir=tmp_path)
    return WorkerDeps(
        store=worker_deps.store,
        billing=worker_deps.billing,
        chat=worker_deps.chat,
        policy=policy,
        credits=StripeCredits(SANDBOX_API_KEY, stripe_sandbox),
    )


@pytest_asyncio.fixture
async def disputes(
    time_skipping_env: WorkflowEnvironment, dispute_deps: WorkerDeps, task_queue: str
) -> AsyncIterator[DisputeRunner]:
    worker = build_worker(
        time_skipping_env.client,
        Settings(),
        deps=dispute_deps,
        task_queue=task_queue,
        max_cached_workflows=0,
    )
    runner = DisputeRunner(time_skipping_env, task_queue)
    async with worker:
        yield runner
    await runner.replay_all()
