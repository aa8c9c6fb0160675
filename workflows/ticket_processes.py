"""The support processes a triaged ticket can start as a child workflow.

The routing policy names a process ("refund") and its workflow type; this registry says how to
build that workflow's input from the ticket and its triage, and what it returns. Billing disputes
and onboarding register here the same way when their workflows exist. Builders are pure: the
ticket workflow calls them deterministically.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from policies.triage_schema import TriageResult
from workflows.models import RefundOutcome, RefundRequest
from workflows.ticket_models import TicketRequest


@dataclass(frozen=True)
class ChildProcess:
    build_input: Callable[[TicketRequest, TriageResult], BaseModel]
    result_type: type[BaseModel]


def refund_request(ticket: TicketRequest, triage: TriageResult) -> RefundRequest:
    """The refund child's input. No amount, ever: ticket text cannot set one, so the refund
    policy works from the charge in the system of record."""
    return RefundRequest(
        ticket_id=ticket.ticket_id,
        customer_id=ticket.customer_id,
        order_id=ticket.order_id or triage.order_id,
        subject=ticket.subject,
        body=ticket.body,
        requested_by=ticket.requested_by,
        requested_amount_cents=None,
        channel=ticket.channel,
        card_data_removed=ticket.card_data_removed,
    )


PROCESSES: dict[str, ChildProcess] = {
    "refund": ChildProcess(build_input=refund_request, result_type=RefundOutcome),
}
