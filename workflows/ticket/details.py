"""What engineers see of a ticket in the Temporal UI: current details and search attributes."""

from __future__ import annotations

from typing import Any

from temporalio.common import SearchAttributeUpdate

from activities.models import CaseState
from workflows.search_attributes import CASE_STATE, PROCESS
from workflows.ticket.contract import TicketStatus


def ticket_search_attributes(
    status: TicketStatus, state: CaseState
) -> list[SearchAttributeUpdate[Any]]:
    return [CASE_STATE.value_set(state), PROCESS.value_set(status.process)]


def ticket_details(s: TicketStatus) -> str:
    lines = [f"**Ticket {s.ticket_id}** · state `{s.state}` · process `{s.process}`"]
    if s.triage is not None:
        lines.append(
            f"- Triage: `{s.triage.intent}` ({s.triage.confidence:.2f}, {s.triage.engine})"
        )
    if s.route is not None:
        lines.append(f"- Route: `{s.route}` — {s.route_reason}")
    if s.process_workflow_id:
        lines.append(f"- Child workflow: `{s.process_workflow_id}`")
    if s.answer is not None:
        lines.append(f"- Answer: {s.answer.delivery} ({s.answer.confidence:.2f})")
    if s.state == "awaiting_customer":
        lines.append("- Waiting for the customer's reply (`customer_reply` update)")
    return "\n".join(lines)
