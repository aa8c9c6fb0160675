"""Triage (TicketWorkflow) as the registry lists it: the entry point for a ticket that names no
process. Its Process search attribute is `ticket` until the workflow sets the route it chose
(`refund`, `knowledge`)."""

from __future__ import annotations

from workflows.case.process_spec import ProcessSpec
from workflows.ticket.contract import TICKET_WORKFLOW, TicketOutcome, TicketRequest, TicketStatus

TRIAGE = ProcessSpec(
    name="triage",
    title="Triage",
    attribute="ticket",
    workflow_name=TICKET_WORKFLOW,
    workflow_path="workflows.ticket.workflow:TicketWorkflow",
    request=TicketRequest,
    status=TicketStatus,
    filed_as_ticket=True,
    status_kind="ticket",
    outcome=TicketOutcome,
)
