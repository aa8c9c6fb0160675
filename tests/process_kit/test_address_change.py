"""The example process of docs/adding-a-process.md, registered beside refund and triage the way a
new process is (one registry entry), run on a real worker on the time-skipping server.

It proves the kit carries a process that is not refund-shaped: the worker registers it from the
registry, the customer-input step checks an answer field by field (refused answers leave no
trace), the reminder and close timers run, and the CRM holds the outcome, audit and replies.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.handoff import HandoffActivities
from activities.policy import PolicyActivities
from integrations.crm_store import CrmStore
from tests.crm.factories import MAYA, add_customer_and_order
from tests.process_kit.address_change.contract import (
    AddressChangeRequest,
    AddressChangeStatus,
    NewAddress,
)
from tests.process_kit.address_change.spec import ADDRESS_CHANGE
from tests.process_kit.address_change.workflow import AddressChangeWorkflow
from tests.process_kit.policies.address_change import POLICY_DIR
from worker.data_converter import data_converter
from worker.worker_app import WorkerDeps, activity_list
from workflows.case.contract import STATUS_QUERY
from workflows.registry import PROCESSES, process_named, workflow_classes

# The one line a new process adds to the registry, applied here instead of in production.
REGISTRY = {**PROCESSES, ADDRESS_CHANGE.name: ADDRESS_CHANGE}


@pytest_asyncio.fixture
async def address_worker(
    time_skipping_env: WorkflowEnvironment,
    worker_deps: WorkerDeps,
    crm_store: CrmStore,
    task_queue: str,
) -> AsyncIterator[WorkflowEnvironment]:
    add_customer_and_order(crm_store, datetime(2026, 11, 30, tzinfo=UTC))
    async with Worker(
        time_skipping_env.client,
        task_queue=task_queue,
        workflows=workflow_classes(REGISTRY),
        activities=[
            *activity_list(replace(worker_deps, policy=PolicyActivities(policy_dir=POLICY_DIR))),
            HandoffActivities(crm_store).queue_customer_message,
        ],
        activity_executor=ThreadPoolExecutor(8),
        max_cached_workflows=0,
    ):
        yield time_skipping_env


def test_the_registry_entry_is_all_the_worker_needs() -> None:
    assert process_named("address_change") is None  # not registered in production
    assert process_named("address_change", REGISTRY) is ADDRESS_CHANGE
    assert AddressChangeWorkflow in workflow_classes(REGISTRY)
    assert set(workflow_classes(REGISTRY)) - set(workflow_classes()) == {AddressChangeWorkflow}


async def _start(env: WorkflowEnvironment, task_queue: str, ticket_id: str) -> WorkflowHandle:
    request = AddressChangeRequest(ticket_id=ticket_id, customer_id=MAYA.id, order_id="ord_1")
    handle = await env.client.start_workflow(
        AddressChangeWorkflow.run, request, id=f"ticket-{ticket_id}", task_queue=task_queue
    )
    for _ in range(200):
        status = await handle.query(STATUS_QUERY, result_type=AddressChangeStatus)
        if status.state == "awaiting_customer":
            return handle
        await asyncio.sleep(0.05)
    raise AssertionError(f"never asked for the address; last state {status.state}")


async def _replay(handle: WorkflowHandle) -> None:
    replayer = Replayer(workflows=[AddressChangeWorkflow], data_converter=data_converter())
    await replayer.replay_workflow(await handle.fetch_history())


async def test_address_checked_field_by_field_then_recorded(
    address_worker: WorkflowEnvironment, crm_store: CrmStore, task_queue: str
) -> None:
    handle = await _start(address_worker, task_queue, "T-ADDR-1")

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            AddressChangeWorkflow.provide_address,
            NewAddress(line1="", city="Leeds", postal_code="12345", country="GB"),
        )
    cause = refused.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "InvalidAnswer"
    assert cause.details == ({"line1": "required", "postal_code": "not a valid GB postal code"},)

    good = NewAddress(line1="1 Park Row", city="Leeds", postal_code="ls1 5ab", country="GB")
    assert await handle.execute_update(AddressChangeWorkflow.provide_address, good) == 1
    outcome = await handle.result()
    assert outcome.state == "resolved" and (outcome.policy_version or "").startswith(
        "address-change-2026-12-04@"
    )

    ticket = crm_store.get_ticket("T-ADDR-1")
    assert ticket is not None and ticket.status == "resolved"
    assert [m.subject for m in ticket.outbox] == [
        "[T-ADDR-1] Your new delivery address",
        "[T-ADDR-1] Address updated",
    ]
    assert "1 Park Row, Leeds ls1 5ab, GB" in ticket.outbox[-1].body
    assert [a.action for a in ticket.audit if a.actor == "customer"] == ["address_given"]
    history = await handle.fetch_history()
    assert (
        sum(
            1
            for e in history.events
            if e.HasField("workflow_execution_update_accepted_event_attributes")
        )
        == 1
    )
    await _replay(handle)


async def test_no_answer_reminds_once_then_closes_unchanged(
    address_worker: WorkflowEnvironment, crm_store: CrmStore, task_queue: str
) -> None:
    handle = await _start(address_worker, task_queue, "T-ADDR-2")
    outcome = await handle.result()  # the server skips the 72 hours
    assert outcome.state == "expired"
    ticket = crm_store.get_ticket("T-ADDR-2")
    assert ticket is not None and ticket.status == "expired"
    assert [m.subject for m in ticket.outbox] == [
        "[T-ADDR-2] Your new delivery address",
        "[T-ADDR-2] Still need your new address",
        "[T-ADDR-2] Address unchanged",
    ]
    await _replay(handle)
