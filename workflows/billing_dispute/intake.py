"""How a triaged ticket becomes a billing-dispute request. Pure: the ticket workflow calls it."""

from __future__ import annotations

from policies.triage_schema import TriageResult
from workflows.billing_dispute.contract import BillingDisputeRequest
from workflows.ticket.contract import TicketRequest


def billing_dispute_request(ticket: TicketRequest, triage: TriageResult) -> BillingDisputeRequest:
    """No amount, ever: the adjustment comes from the billing history. A security concern in
    the ticket (a charge the customer does not recognise) makes it an unrecognised charge,
    which the billing policy may send to a person."""
    unrecognised = "security_concern" in triage.signals
    return BillingDisputeRequest(
        ticket_id=ticket.ticket_id,
        customer_id=ticket.customer_id,
        order_id=ticket.order_id or triage.order_id,
        subject=ticket.subject,
        body=ticket.body,
        requested_by=ticket.requested_by,
        complaint="unrecognised_charge" if unrecognised else "billing_error",
        channel=ticket.channel,
        card_data_removed=ticket.card_data_removed,
    )
