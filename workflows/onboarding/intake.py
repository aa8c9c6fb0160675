"""How a triaged "I want to sign up / upgrade" ticket becomes a signup. Pure: the ticket
workflow calls it.

The application id is chosen so that the signup's workflow id is the child id triage gives it
(`onboarding-of-ticket-<ticket id>`): the signup is then found by the same id through
`GET /onboarding/of-ticket-<ticket id>` and the ticket's status names it.
"""

from __future__ import annotations

from policies.triage_schema import TriageResult
from workflows.onboarding.contract import OnboardingRequest
from workflows.ticket.contract import TicketRequest


def signup_request(ticket: TicketRequest, triage: TriageResult) -> OnboardingRequest:
    return OnboardingRequest(
        application_id=f"of-ticket-{ticket.ticket_id}"[:48],
        channel=ticket.channel,
        requested_by=ticket.requested_by,
        source_ticket_id=ticket.ticket_id,
        customer_id=ticket.customer_id,
    )
