"""A worker with the chargeback activities on the time-skipping server, the Stripe sandbox with
its extras server (disputes), and a SQLite CRM."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from activities.chat import ChatActivities
from activities.disputes import DisputeActivities
from activities.policy import PolicyActivities
from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import StripeBilling
from integrations.stripe_disputes import StripeDisputes
from tests.stripe_fixtures import SANDBOX_API_KEY
from tests.workflows.case_factory import SeededCase, seed_case
from worker.data_converter import data_converter
from worker.local_stack.stripe_extras.helpers import open_dispute
from worker.settings import Settings
from worker.worker_app import WORKFLOWS, WorkerDeps, build_worker
from workflows.chargeback.contract import (
    DISPUTE_EVENT_SIGNAL,
    ChargebackOutcome,
    ChargebackRequest,
    ChargebackStatus,
    DisputeEvent,
    chargeback_workflow_id,
)
from workflows.chargeback.workflow import ChargebackWorkflow

HISTORY_DIR = Path(__file__).resolve().parents[2] / "histories"
DAY = 24 * 3600


@pytest.fixture
def worker_deps(
    crm_store: CrmStore, stripe_billing: StripeBilling, stripe_sandbox: str
) -> WorkerDeps:
    return WorkerDeps(
        store=crm_store,
        billing=stripe_billing,
        chat=ChatActivities(None, api_url="http://api.test", temporal_ui_url="http://ui.test"),
        policy=PolicyActivities(),
        disputes=DisputeActivities(StripeDisputes(SANDBOX_API_KEY, stripe_sandbox), crm_store),
    )


@dataclass
class DisputedCase:
    case: SeededCase
    dispute_id: str
    due_by: datetime


class Chargebacks:
    """Opens disputes in the sandbox, starts their cases as the webhook does, replays them."""

    def __init__(self, env: WorkflowEnvironment, task_queue: str, stripe: str) -> None:
        self.env, self.task_queue, self.stripe = env, task_queue, stripe
        self.handles: list[WorkflowHandle] = []
        self._events = 0

    async def dispute(
        self,
        store: CrmStore,
        billing: StripeBilling,
        *,
        amount_cents: int = 8_000,
        reason: str = "product_unacceptable",
        days: float = 7,
    ) -> DisputedCase:
        """A paid order disputed `days` before its evidence is due, on the server's clock (the
        time-skipping server runs ahead of the wall clock the sandbox keeps)."""
        server_now = await self.env.get_current_time()
        case = seed_case(store, billing, amount_cents=amount_cents, now=server_now)
        ahead = server_now.timestamp() - time.time()
        dispute = open_dispute(
            self.stripe, case.charge_id, reason=reason, due_in_seconds=int(ahead + days * DAY)
        )
        due_by = datetime.fromtimestamp(dispute["evidence_details"]["due_by"], UTC)
        return DisputedCase(case=case, dispute_id=dispute["id"], due_by=due_by)

    async def signal(
        self,
        dispute_id: str,
        kind: str = "created",
        status: str = "needs_response",
        event_id: str | None = None,
    ) -> WorkflowHandle[ChargebackWorkflow, ChargebackOutcome]:
        """What POST /webhooks/stripe does for one event: signal-with-start the case."""
        self._events += 1
        event = DisputeEvent(
            event_id=event_id or f"evt_{dispute_id}_{self._events}",
            type=f"charge.dispute.{kind}",
            dispute_id=dispute_id,
            status=status,
            created=await self.env.get_current_time(),
        )
        handle = await self.env.client.start_workflow(
            ChargebackWorkflow.run,
            ChargebackRequest(dispute_id=dispute_id),
            id=chargeback_workflow_id(dispute_id),
            task_queue=self.task_queue,
            start_signal=DISPUTE_EVENT_SIGNAL,
            start_signal_args=[event],
        )
        if all(h.id != handle.id for h in self.handles):
            self.handles.append(handle)
        return handle

    async def keep(self, handle: WorkflowHandle, name: str) -> None:
        if os.environ.get("SUPPORTFLOW_RECORD_HISTORIES") != "1":
            return
        history = await handle.fetch_history()
        (HISTORY_DIR / f"chargeback_{name}.json").write_text(history.to_json())

    async def replay_all(self) -> None:
        for handle in self.handles:
            with contextlib.suppress(RPCError):
                await handle.terminate("test ended")
        replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter())
        for handle in self.handles:
            await replayer.replay_workflow(await handle.fetch_history())


async def status_of(handle: WorkflowHandle) -> ChargebackStatus:
    return await handle.query("status", result_type=ChargebackStatus)


async def wait_for_state(handle: WorkflowHandle, state: str) -> ChargebackStatus:
    status = None
    for _ in range(300):
        status = await status_of(handle)
        if status.state == state:
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"case never reached {state}; last status {status}")


@pytest_asyncio.fixture
async def chargebacks(
    time_skipping_env: WorkflowEnvironment,
    worker_deps: WorkerDeps,
    task_queue: str,
    stripe_sandbox: str,
) -> AsyncIterator[Chargebacks]:
    worker = build_worker(
        time_skipping_env.client,
        Settings(),
        deps=worker_deps,
        task_queue=task_queue,
        max_cached_workflows=0,
    )
    runner = Chargebacks(time_skipping_env, task_queue, stripe_sandbox)
    async with worker:
        yield runner
    await runner.replay_all()
