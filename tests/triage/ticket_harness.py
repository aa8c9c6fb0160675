"""A real worker for TicketWorkflow on a real Temporal server, with a SQLite CRM and the demo
help center, plus a stand-in RefundWorkflow that records how it was started.

The stand-in lets routing tests assert the child's id and input without Stripe; the refund
itself is covered with the real RefundWorkflow in test_ticket_money_safety.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.crm import CrmActivities
from activities.knowledge import KnowledgeActivities
from activities.triage import TriageActivities
from integrations.crm_store import CrmStore, CustomerView
from integrations.knowledge.helpcenter import load_help_center
from integrations.knowledge.sqlite_fts import SqliteKnowledgeBase
from tests.triage.standin_refund import StandInRefundWorkflow
from worker.data_converter import data_converter
from worker.settings import Settings
from worker.ticket_activities import ticket_activity_list
from workflows.case.contract import STATUS_QUERY
from workflows.refund.contract import RefundRequest
from workflows.ticket.contract import TicketOutcome, TicketRequest, TicketStatus
from workflows.ticket.workflow import TicketWorkflow

DEMO_HELP_CENTER = Path(__file__).resolve().parents[2] / "demo" / "help-center"
DANA = CustomerView(id="cus_dana", name="Dana Reyes", email="dana@example.com", tier="standard")
VERA = CustomerView(id="cus_vera", name="Vera Lind", email="vera@example.com", tier="vip")


class TicketRunner:
    def __init__(self, client: Client, task_queue: str, store: CrmStore) -> None:
        self.client = client
        self.task_queue = task_queue
        self.store = store
        self.handles: list[WorkflowHandle[Any, Any]] = []

    async def start(
        self, body: str, *, subject: str = "", customer: str = DANA.id, **kw: Any
    ) -> WorkflowHandle[TicketWorkflow, TicketOutcome]:
        ticket_id = f"T-{uuid.uuid4().hex[:10]}"
        request = TicketRequest(
            ticket_id=ticket_id, customer_id=customer, subject=subject, body=body, **kw
        )
        handle = await self.client.start_workflow(
            TicketWorkflow.run, request, id=f"ticket-{ticket_id}", task_queue=self.task_queue
        )
        self.handles.append(handle)
        return handle

    async def status(self, handle: WorkflowHandle[Any, Any]) -> TicketStatus:
        return await handle.query(STATUS_QUERY, result_type=TicketStatus)

    async def wait_for_state(
        self, handle: WorkflowHandle[Any, Any], state: str, timeout_s: float = 60
    ) -> TicketStatus:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        last: TicketStatus | None = None
        while loop.time() < deadline:
            last = await self.try_status(handle)
            if last is not None and last.state == state:
                return last
            await asyncio.sleep(0.1)
        raise AssertionError(f"expected state {state!r}; last status {last}")

    async def try_status(self, handle: WorkflowHandle[Any, Any]) -> TicketStatus | None:
        """The status, or None while the workflow cannot answer yet (just started, or its
        first task is still being processed on a busy machine)."""
        try:
            return await self.status(handle)
        except (RPCError, WorkflowQueryFailedError):
            return None

    async def child_input(self, workflow_id: str) -> RefundRequest:
        history = await self.client.get_workflow_handle(workflow_id).fetch_history()
        started = history.events[0].workflow_execution_started_event_attributes
        [request] = await data_converter().decode(started.input.payloads, [RefundRequest])
        return request

    async def replay_all(self, workflows: list[type]) -> None:
        replayer = Replayer(workflows=workflows, data_converter=data_converter())
        for handle in self.handles:
            await replayer.replay_workflow(await handle.fetch_history())


def seeded_store(tmp_path: Path) -> CrmStore:
    store = CrmStore(f"sqlite:///{tmp_path / 'crm.db'}")
    store.migrate()
    store.add_customer(DANA)
    store.add_customer(VERA)
    return store


def demo_knowledge(tmp_path: Path) -> KnowledgeActivities:
    kb = SqliteKnowledgeBase(tmp_path / "knowledge.db")
    kb.ingest(load_help_center(DEMO_HELP_CENTER))
    return KnowledgeActivities(kb)


@asynccontextmanager
async def ticket_worker(
    client: Client,
    task_queue: str,
    store: CrmStore,
    knowledge: KnowledgeActivities,
    *,
    triage: TriageActivities | None = None,
    workflows: list[type] | None = None,
    extra_activities: Callable[[], list[Any]] | None = None,
    max_cached_workflows: int = 0,
) -> AsyncIterator[TicketRunner]:
    """Runs a worker (by default no workflow cache, so every task replays) and, on exit, replays
    every history the test produced against the same workflow code."""
    crm = CrmActivities(store)
    activities = (
        extra_activities()
        if extra_activities
        else [crm.open_case, crm.record_case_outcome, crm.record_audit]
    )
    activities += ticket_activity_list(
        store, Settings(), triage=triage or TriageActivities(), knowledge=knowledge
    )
    registered = workflows or [TicketWorkflow, StandInRefundWorkflow]
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=registered,
        activities=activities,
        activity_executor=ThreadPoolExecutor(max_workers=8),
        max_cached_workflows=max_cached_workflows,
    )
    runner = TicketRunner(client, task_queue, store)
    async with worker:
        yield runner
    await runner.replay_all(registered)


async def end_open_cases(tickets: TicketRunner) -> None:
    """Open hand-offs keep SLA timers; ended, they cannot fire on a server other tests use."""
    for handle in tickets.handles:
        with contextlib.suppress(RPCError):
            await handle.terminate("test ended")


@pytest.fixture
def store(tmp_path: Path) -> CrmStore:
    return seeded_store(tmp_path)


@pytest.fixture
def knowledge(tmp_path: Path) -> KnowledgeActivities:
    return demo_knowledge(tmp_path)


@pytest_asyncio.fixture
async def tickets(
    ticket_env: WorkflowEnvironment,
    task_queue: str,
    store: CrmStore,
    knowledge: KnowledgeActivities,
) -> AsyncIterator[TicketRunner]:
    """A worker for TicketWorkflow (no cache: every task replays); open cases are ended after."""
    async with ticket_worker(ticket_env.client, task_queue, store, knowledge) as runner:
        yield runner
    await end_open_cases(runner)


@pytest.fixture(scope="module")
def ticket_env(time_skipping_env: WorkflowEnvironment) -> WorkflowEnvironment:
    """The module's own time-skipping server. Awaiting a result lets that server jump its clock
    to the next pending timer, including stale schedule-to-close timers of finished activities
    (days) and our 72 h clarification close; a server per module keeps those jumps from ageing
    the wall-clock-dated orders other modules seed."""
    return time_skipping_env
