"""Files support tickets as Temporal cases: the one start path shared by the API and the CLI.

Every ticket maps to exactly one workflow id (`case_workflow_id`), whatever process handles it.
Starting uses USE_EXISTING while the case runs and REJECT_DUPLICATE once it closed, so a helpdesk
that retries a webhook, or a human who files the same ticket twice, always lands on the case that
already exists instead of paying a refund twice.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from temporalio.client import Client, WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError

from integrations.card_numbers import redact_fields
from integrations.temporal_links import workflow_url
from worker.settings import Settings
from worker.ticket_submission import TicketSubmission
from workflows import search_attributes as sa
from workflows.case.contract import case_workflow_id
from workflows.refund.spec import REFUND
from workflows.ticket.spec import TRIAGE

START_RPC_TIMEOUT = timedelta(seconds=10)


class CaseStarted(BaseModel):
    """What filing a ticket returns. `existing` is true when the ticket already had a case: the
    ids are then those of that case and nothing new was started. `process` is the started
    process's Process search attribute: `refund` for a refund case, `ticket` for a triaged one
    (its status then says where triage sent it)."""

    ticket_id: str
    workflow_id: str
    run_id: str
    process: str
    existing: bool
    temporal_ui_url: str


def case_summary(ticket: TicketSubmission) -> str:
    """One line for the Temporal UI's workflow list, readable without opening the run."""
    kind = ticket.spec.title
    return f"{kind} · ticket {ticket.ticket_id} · customer {ticket.customer_id}"


def case_details(ticket: TicketSubmission) -> str:
    """Markdown shown on the run page: who asked for what, as filed (not as decided)."""
    common = [
        f"- **Customer:** `{ticket.customer_id}`",
        f"- **Order:** `{ticket.order_id or 'not given'}`",
        f"- **Requested by:** {ticket.requested_by} via {ticket.channel}",
    ]
    if ticket.spec.name == TRIAGE.name:
        return "\n".join(
            [
                f"### Ticket `{ticket.ticket_id}` (triage chooses the route)",
                "",
                *common,
                # Not the subject: it is the customer's text, and the UI shows summaries and
                # details to everyone who can open it (docs/operations-encryption.md).
                "- **Route:** decided by triage and the routing policy; the current details "
                "and the `status` query say which and why",
            ]
        )
    if ticket.spec.name != REFUND.name:
        return "\n".join(
            [f"### {ticket.spec.title} case for ticket `{ticket.ticket_id}`", "", *common]
        )
    amount = (
        f"{ticket.requested_amount_cents} cents (a cap; the charge decides)"
        if ticket.requested_amount_cents
        else "not stated (the order and charge decide)"
    )
    lines = [
        f"### Refund case for ticket `{ticket.ticket_id}`",
        "",
        *common,
        f"- **Requested amount:** {amount}",
        f"- **Subject:** {ticket.subject or '(none)'}",
    ]
    return "\n".join(lines)


def start_search_attributes(ticket: TicketSubmission) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [
            SearchAttributePair(sa.TICKET_ID, ticket.ticket_id),
            SearchAttributePair(sa.CUSTOMER_ID, ticket.customer_id),
            SearchAttributePair(sa.PROCESS, ticket.case_process),
            SearchAttributePair(sa.CASE_STATE, "received"),
        ]
    )


def _newly_started(handle: WorkflowHandle) -> bool:
    """Whether the start call created the run (False when USE_EXISTING attached to a running one).

    The SDK keeps the server's StartWorkflowExecutionResponse (whose `started` flag says exactly
    this) on the handle without a public accessor; reading it avoids a racy describe-then-start.
    """
    response = getattr(handle, "_start_workflow_response", None)
    return bool(getattr(response, "started", True))


def case_workflow(ticket: TicketSubmission) -> tuple[str, BaseModel]:
    """Which workflow handles the ticket, and its input: the named process's workflow, otherwise
    TicketWorkflow, which triages and routes. The workflow id does not depend on it, so a ticket
    can never have two cases."""
    return ticket.spec.workflow_name, ticket.process_request()


async def file_ticket(client: Client, settings: Settings, ticket: TicketSubmission) -> CaseStarted:
    """Starts the ticket's case, or returns the case it already has (running or closed)."""
    # Card numbers go before anything is built from the text: history, UI details, CRM, Slack.
    ticket = redact_fields(ticket, ("subject", "body"), flag="card_data_removed")
    workflow_id = case_workflow_id(ticket.ticket_id)
    workflow_name, workflow_input = case_workflow(ticket)
    try:
        handle = await client.start_workflow(
            workflow_name,
            workflow_input,
            id=workflow_id,
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=start_search_attributes(ticket),
            static_summary=case_summary(ticket),
            static_details=case_details(ticket),
            rpc_timeout=START_RPC_TIMEOUT,
        )
        run_id, existing = handle.result_run_id or "", not _newly_started(handle)
    except WorkflowAlreadyStartedError as closed:
        # Only a closed run gets here (a running one is attached to by USE_EXISTING).
        run_id, existing = closed.run_id or "", True
    return CaseStarted(
        ticket_id=ticket.ticket_id,
        workflow_id=workflow_id,
        run_id=run_id,
        process=ticket.case_process,
        existing=existing,
        temporal_ui_url=workflow_url(settings.temporal_ui_url, client.namespace, workflow_id),
    )
