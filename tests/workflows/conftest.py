"""A real worker per test on the time-skipping server, wired to a SQLite CRM and the Stripe sandbox."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from activities.chat import ChatActivities
from activities.policy import PolicyActivities
from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import StripeBilling
from tests.stripe_fixtures import stripe_billing, stripe_sandbox  # noqa: F401
from tests.workflows.case_factory import SeededCase, seed_case
from worker.data_converter import data_converter
from worker.settings import Settings
from worker.worker_app import WORKFLOWS, WorkerDeps, build_worker
from workflows.case.contract import PendingApproval
from workflows.refund.contract import RefundOutcome, RefundRequest, RefundStatus
from workflows.refund.workflow import RefundWorkflow

HISTORY_DIR = Path(__file__).resolve().parent.parent / "histories"


@pytest.fixture
def worker_deps(crm_store: CrmStore, stripe_billing: StripeBilling) -> WorkerDeps:  # noqa: F811
    return WorkerDeps(
        store=crm_store,
        billing=stripe_billing,
        chat=ChatActivities(None, api_url="http://api.test", temporal_ui_url="http://ui.test"),
        policy=PolicyActivities(),
    )


async def status_of(handle: WorkflowHandle) -> RefundStatus:
    return await handle.query("status", result_type=RefundStatus)


async def wait_for_state(handle: WorkflowHandle, state: str) -> RefundStatus:
    for _ in range(200):
        status = await status_of(handle)
        if status.state == state:
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"case never reached {state}; last status {status}")


class CaseRunner:
    """Starts cases on a live worker and replays every history it produced at the end."""

    def __init__(self, env: WorkflowEnvironment, task_queue: str) -> None:
        self.env = env
        self.client = env.client
        self.task_queue = task_queue
        self.handles: list[WorkflowHandle] = []

    async def start(
        self, request: RefundRequest, workflow_id: str | None = None
    ) -> WorkflowHandle[RefundWorkflow, RefundOutcome]:
        handle = await self.client.start_workflow(
            RefundWorkflow.run,
            request,
            id=workflow_id or f"ticket-{request.ticket_id}",
            task_queue=self.task_queue,
        )
        self.handles.append(handle)
        return handle

    async def seed(self, store: CrmStore, billing: StripeBilling, **case: Any) -> SeededCase:
        """A case whose order age is measured on the server's clock, which the time-skipping
        server moves ahead whenever a test waits for a result."""
        return seed_case(store, billing, now=await self.env.get_current_time(), **case)

    async def awaiting_approval(
        self, store: CrmStore, billing: StripeBilling, **case: Any
    ) -> tuple[SeededCase, WorkflowHandle[RefundWorkflow, RefundOutcome], PendingApproval]:
        """A seeded case, started and waiting for its approval, with the pending request."""
        seeded = await self.seed(store, billing, **case)
        handle = await self.start(seeded.request)
        pending = (await wait_for_state(handle, "awaiting_approval")).pending_approval
        assert pending is not None
        return seeded, handle, pending

    async def keep(self, handle: WorkflowHandle, name: str) -> None:
        """Stores the history under tests/histories when SUPPORTFLOW_RECORD_HISTORIES=1, so a
        later code change that breaks replay of real histories fails CI."""
        if os.environ.get("SUPPORTFLOW_RECORD_HISTORIES") != "1":
            return
        history = await handle.fetch_history()
        HISTORY_DIR.mkdir(exist_ok=True)
        (HISTORY_DIR / f"refund_{name}.json").write_text(history.to_json())

    async def replay_all(self) -> None:
        """Ends the cases a test left open, then replays every history. A case left waiting on
        the shared time-skipping server (its worker gone, an activity outstanding) would keep
        that server from skipping time for every later test."""
        for handle in self.handles:
            with contextlib.suppress(RPCError):  # already closed
                await handle.terminate("test ended")
        replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter())
        for handle in self.handles:
            history = await handle.fetch_history()
            await replayer.replay_workflow(history)


@pytest_asyncio.fixture
async def cases(
    time_skipping_env: WorkflowEnvironment, worker_deps: WorkerDeps, task_queue: str
) -> AsyncIterator[CaseRunner]:
    client = time_skipping_env.client
    # No workflow cache: every workflow task replays from history, exercising the replay path.
    worker = build_worker(
        client, Settings(), deps=worker_deps, task_queue=task_queue, max_cached_workflows=0
    )
    runner = CaseRunner(time_skipping_env, task_queue)
    async with worker:
        yield runner
    await runner.replay_all()
