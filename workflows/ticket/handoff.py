"""What a person receives when a ticket is handed over: everything known, what was tried, and
the recommended next step. Pure: the ticket workflow mints the id and passes the clock."""

from __future__ import annotations

from datetime import datetime

from activities.models import CustomerContext
from activities.ticket_models import HandoffPackage
from integrations.knowledge.models import Citation
from policies.routing_policy import RouteDecision
from policies.triage_schema import TriageResult
from workflows.ticket.contract import TicketRequest

# Without triage the summary is the ticket's own start, cut to what a card shows.
SUMMARY_LIMIT = 240


def handoff_package(
    *,
    handoff_id: str,
    workflow_id: str,
    request: TicketRequest,
    triage: TriageResult | None,
    route: RouteDecision | None,
    customer: CustomerContext | None,
    reason: str,
    next_step: str,
    tried: list[str],
    sources: list[Citation],
    draft: str | None,
    now: datetime,
) -> HandoffPackage:
    fallback = (request.subject or request.body)[:SUMMARY_LIMIT] or "(empty ticket)"
    return HandoffPackage(
        handoff_id=handoff_id,
        ticket_id=request.ticket_id,
        workflow_id=workflow_id,
        reason=reason,
        summary=triage.summary if triage else fallback,
        urgency=triage.urgency if triage else "normal",
        triage=triage,
        route=route,
        customer=customer,
        customer_id=request.customer_id,
        sources=sources,
        draft_reply=draft,
        tried=list(tried),
        recommended_next_step=next_step,
        created_at=now,
    )
