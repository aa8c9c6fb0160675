"""`supportflow ticket` without `--process`, `supportflow reply` and `supportflow status` for
triaged tickets, against a real dev server and the production worker with rules triage."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from integrations.crm_store import CrmStore
from integrations.stripe_billing import StripeBilling
from tests.api_keys import CallerKeys
from tests.cli.conftest import invoke
from tests.e2e.triage_stack import seed_paid_order, triage_settings, triage_worker_deps
from worker.settings import Settings
from worker.worker_app import build_worker
from workflows.case.contract import case_workflow_id, process_workflow_id

APPROVAL_AMOUNT = 18_000


@pytest_asyncio.fixture
async def triage_worker(
    dev_server_env: WorkflowEnvironment,
    settings: Settings,
    task_queue: str,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    tmp_path: Path,
) -> AsyncIterator[None]:
    worker_settings = triage_settings(settings, tmp_path)
    deps = triage_worker_deps(crm_store, stripe_billing, worker_settings)
    async with build_worker(
        dev_server_env.client, worker_settings, deps=deps, task_queue=task_queue
    ):
        yield


def new_ticket_id() -> str:
    return f"T-{uuid.uuid4().hex[:10]}"


async def test_ticket_without_process_is_triaged(
    cli_env: None, dev_server_env: WorkflowEnvironment
) -> None:
    """No worker: only how the case starts is checked."""
    ticket_id = new_ticket_id()
    filed = await invoke(
        "ticket", ticket_id, "--customer", "cus_1", "--body", "Where is my parcel?"
    )
    assert filed.exit_code == 0, filed.output
    assert f"filed as case {case_workflow_id(ticket_id)} (ticket, run" in filed.stdout
    handle = dev_server_env.client.get_workflow_handle(case_workflow_id(ticket_id))
    assert (await handle.describe()).workflow_type == "TicketWorkflow"
    await handle.terminate("test done")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ["ticket", "T-x", "--customer", "cus_1", "--amount-cents", "500"],
            "requested_amount_cents: only a refund ticket",
        ),
        (["reply", "T-x", "--text", "   "], "text: the reply is blank"),
        (["reply", "T-x"], "Missing option '--text'"),
        (["reply", "T-x", "--text", "hi", "--reply-id", "a b"], "reply_id"),
    ],
    ids=["amount-without-refund", "blank-reply", "no-text", "bad-reply-id"],
)
async def test_bad_input_is_exit_2(cli_env: None, args: list[str], fragment: str) -> None:
    result = await invoke(*args)
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert "Traceback" not in result.output


async def test_reply_to_unknown_ticket_is_exit_1(cli_env: None) -> None:
    result = await invoke("reply", "T-never-filed", "--text", "It's order #5001")
    assert result.exit_code == 1, result.output
    assert "refused (not_found): No case for ticket T-never-filed." in result.stderr


@pytest.mark.slow
async def test_clarify_reply_approve_from_the_shell(
    cli_env: None,
    triage_worker: None,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    api_keys: CallerKeys,
) -> None:
    """A ticket missing its order number, answered and approved with the commands that
    `supportflow status` prints; the refund lands in Stripe exactly once."""
    order = seed_paid_order(crm_store, stripe_billing, APPROVAL_AMOUNT)
    ticket_id = new_ticket_id()
    body = "The lamp I bought flickers, I want a refund."
    filed = await invoke("ticket", ticket_id, "--customer", order.customer_id, "--body", body)
    assert filed.exit_code == 0, filed.output

    waiting = await _status_until(ticket_id, "Reply:   supportflow reply")
    assert "Route: clarify (missing:order_id" in waiting
    assert "Waiting for the customer (order_id)" in waiting

    replied = await invoke("reply", ticket_id, "--text", f"It's order #{order.number}")
    assert replied.exit_code == 0, replied.output
    assert f"Reply 1 delivered to ticket {ticket_id}" in replied.stdout
    again = await invoke("reply", ticket_id, "--text", "hello?")
    assert again.exit_code == 1
    assert "refused (not_awaiting_reply)" in again.stderr

    shown = await _status_until(
        ticket_id, f"Approve: SUPPORTFLOW_KEY=<alice's key> supportflow approve {ticket_id}"
    )
    assert "Route: start_process" in shown
    assert (
        f"Refund process {process_workflow_id(case_workflow_id(ticket_id), 'refund')}: awaiting_approval"
        in shown
    )
    assert "180.00 USD" in shown

    approved = await invoke("approve", ticket_id, "--key", api_keys.people["alice"])
    assert approved.exit_code == 0, approved.output
    assert "is approved (1/1 approvals)" in approved.stdout
    closed = await _status_until(ticket_id, "resolved  (from database)")
    assert "Route: start_process" in closed
    refunds = await asyncio.to_thread(stripe_billing.list_refunds, order.charge_id)
    assert [r.amount_cents for r in refunds] == [APPROVAL_AMOUNT]
    as_json = json.loads((await invoke("status", ticket_id, "--json")).stdout)
    assert as_json["record"]["refunds"][0]["amount_cents"] == APPROVAL_AMOUNT


async def _status_until(ticket_id: str, fragment: str) -> str:
    output = ""
    for _ in range(300):
        result = await invoke("status", ticket_id)
        output = result.stdout
        if result.exit_code == 0 and fragment in output:
            return output
        await asyncio.sleep(0.1)
    raise AssertionError(f"`supportflow status {ticket_id}` never showed {fragment!r}:\n{output}")
