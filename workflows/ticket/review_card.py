"""The review card of a hand-off: what a person reads before acting, in the order they read
it. Pure: built from the ticket's request and status."""

from __future__ import annotations

from workflows.ticket.contract import TicketRequest, TicketStatus
from workflows.ticket.review_contract import HandoffActionKind, HandoffCard


class NoHandoff(LookupError):
    """The case has no hand-off (yet): nothing for a person to review."""


def action_plan(status: TicketStatus) -> list[str]:
    """What automation did and would do next: the steps tried, then the route it proposes."""
    plan = [f"Done: {step}" for step in status.tried]
    decision = status.route_decision
    if decision is not None and decision.process:
        plan.append(f"Proposed: start the {decision.process} process ({decision.rule}).")
    elif status.answer is not None:
        plan.append(f"Proposed: send the drafted answer ({status.answer.delivery_reason}).")
    return plan


def handoff_card(
    request: TicketRequest, status: TicketStatus, allowed: list[HandoffActionKind], body: str
) -> HandoffCard:
    """`body` is the ticket's text with what the customer added since (replies, reopens)."""
    package, review = status.handoff, status.review
    if package is None or review is None:
        raise NoHandoff(f"Ticket {request.ticket_id} has no hand-off to review.")
    message = f"{request.subject}\n\n{body}".strip()
    return HandoffCard(
        ticket_id=request.ticket_id,
        handoff_id=review.handoff_id,
        state=review.state,
        customer_message=message,
        customer_answers=list(review.customer_answers),
        escalation_reason=package.reason,
        recommended_next_step=package.recommended_next_step,
        proposed_answer=None if review.draft_rejected else review.draft,
        sources=list(package.sources),
        action_plan=action_plan(status),
        triage_confidence=status.triage.confidence if status.triage else None,
        answer_confidence=status.answer.confidence if status.answer else None,
        claimed_by=review.claimed_by,
        assigned_channel=review.assigned_channel,
        sla_due_at=review.sla_due_at,
        allowed_actions=allowed,
    )
