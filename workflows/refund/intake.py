"""How a triaged ticket becomes a refund request. Pure: the ticket workflow calls it."""

from __future__ import annotations

from policies.triage_schema import TriageResult
from workflows.refund.contract import RefundRequest
from workflows.ticket.contract import TicketRequest


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
