"""`supportflow handoff/claim/resolve/reopen/...` against a real dev server and the production
worker with rules triage: people act with their own keys, refusals exit 1 with one line."""

from __future__ import annotations

import asyncio
import uuid

from temporalio.testing import WorkflowEnvironment

from integrations.crm_store import CrmStore
from tests.api_keys import CallerKeys
from tests.cli.conftest import invoke
from tests.cli.test_cli_triage import triage_worker
from workflows.case.contract import case_workflow_id

__all__ = ["triage_worker"]


async def handed_off(crm_store: CrmStore, ticket_id: str) -> None:
    for _ in range(600):
        if crm_store.list_handoffs(ticket_id):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"ticket {ticket_id} was never handed off")


async def test_claim_resolve_reopen_from_the_cli(
    cli_env: None,
    triage_worker: None,
    api_keys: CallerKeys,
    crm_store: CrmStore,
    dev_server_env: WorkflowEnvironment,
) -> None:
    ticket_id = f"T-{uuid.uuid4().hex[:10]}"
    customer = "cus_cli_handoff"
    filed = await invoke(
        "ticket", ticket_id, "--customer", customer, "--body", "Let me talk to a human please."
    )
    assert filed.exit_code == 0, filed.output
    await handed_off(crm_store, ticket_id)

    card = await invoke("handoff", ticket_id)
    assert card.exit_code == 0, card.output
    assert "Customer wrote:" in card.stdout and "Actions: claim, resolve" in card.stdout

    as_system = await invoke("claim", ticket_id)  # SUPPORTFLOW_KEY is the helpdesk system's
    assert as_system.exit_code == 1 and "person_required" in as_system.output
    claimed = await invoke("claim", ticket_id, "--key", api_keys.people["alice"])
    assert claimed.exit_code == 0, claimed.output
    assert "Claimed by alice" in claimed.stdout
    other = await invoke("resolve", ticket_id, "--note", "x", "--key", api_keys.people["bob"])
    assert other.exit_code == 1 and "refused (claimed_by_other)" in other.output
    nothing = await invoke("handback", ticket_id, "--key", api_keys.people["alice"])
    assert nothing.exit_code == 2
    resolved = await invoke(
        "resolve",
        ticket_id,
        "--note",
        "Phoned the customer",
        "--reply",
        "All sorted.",
        "--key",
        api_keys.people["alice"],
    )
    assert resolved.exit_code == 0, resolved.output
    reopened = await invoke("reopen", ticket_id, "--text", "It broke again.")
    assert reopened.exit_code == 0, reopened.output
    assert "reopened (1 so far)" in reopened.stdout

    record = crm_store.get_ticket(ticket_id)
    assert record is not None
    assert "All sorted.\n" in [m.body for m in record.outbox]
    actions = {(e.actor, e.action) for e in record.audit}
    assert ("alice", "cli_handoff_action") in actions
    assert ("bob", "cli_handoff_refused") in actions
    await dev_server_env.client.get_workflow_handle(case_workflow_id(ticket_id)).terminate()
