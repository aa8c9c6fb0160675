"""What an engineer sees in the Temporal UI: a case is findable by its search attributes and
readable from its summary, current details, activity summaries and `status` query.

Read through the same server APIs the UI uses (visibility queries, describe, user metadata), on
a real dev server with the production worker.
"""

from __future__ import annotations

import asyncio

import pytest
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import StripeBilling
from tests.workflows.case_factory import seed_case
from worker.cases import file_ticket
from worker.data_converter import data_converter
from worker.settings import Settings
from worker.ticket_submission import TicketSubmission
from workflows.refund.contract import RefundStatus

pytestmark = pytest.mark.slow


async def find(client: Client, query: str) -> list[str]:
    for _ in range(100):  # visibility is eventually consistent
        ids = [w.id async for w in client.list_workflows(query)]
        if ids:
            return ids
        await asyncio.sleep(0.1)
    return []


async def wait_until_awaiting_approval(handle: WorkflowHandle) -> RefundStatus:
    for _ in range(200):
        status = await handle.query("status", result_type=RefundStatus)
        if status.state == "awaiting_approval":
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"case never waited for approval: {status}")


async def current_details(handle: WorkflowHandle) -> str:
    """The UI reads current details through the built-in metadata query, as here."""
    metadata = await handle.query("__temporal_workflow_metadata")
    return metadata.current_details


async def activity_summaries(handle: WorkflowHandle) -> list[str]:
    history = await handle.fetch_history()
    # Summaries are encrypted like every payload; the UI shows them through the codec endpoint.
    summaries = [
        e.user_metadata.summary
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
        or e.HasField("marker_recorded_event_attributes")
        if e.user_metadata.HasField("summary")
    ]
    return list(await data_converter().decode(summaries, [str] * len(summaries)))


async def test_case_is_findable_and_readable(
    dev_server_env: WorkflowEnvironment,
    settings: Settings,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    case_worker: None,
) -> None:
    client = dev_server_env.client
    case = seed_case(crm_store, stripe_billing, amount_cents=18_000)
    ticket = TicketSubmission(process="refund", **case.request.model_dump())
    started = await file_ticket(client, settings, ticket)
    handle = client.get_workflow_handle(started.workflow_id)
    await wait_until_awaiting_approval(handle)

    found = await find(
        client,
        f'TicketId = "{ticket.ticket_id}" AND CaseState = "awaiting_approval" '
        f'AND Process = "refund" AND AmountCents = 18000 AND CustomerId = "{ticket.customer_id}"',
    )
    assert found == [started.workflow_id]

    description = await handle.describe()
    assert ticket.ticket_id in (await description.static_summary() or "")
    assert await description.static_details()

    details = await current_details(handle)
    assert "awaiting approval" in details
    assert "Waiting for single approval (0/1)" in details
    assert "180.00 USD" in details

    summaries: list[str] = []
    for _ in range(100):  # the approval request is posted right after the state changes
        summaries = await activity_summaries(handle)
        if "Ask single approvers" in summaries:
            break
        await asyncio.sleep(0.05)
    assert "Open case in CRM" in summaries
    assert "Read charge from Stripe" in summaries
    assert "Ask single approvers" in summaries
    await handle.terminate("test finished")
