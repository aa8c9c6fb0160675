"""Customer-facing wording for triaged tickets. Pure functions: the ticket workflow calls them."""

from __future__ import annotations

from activities.models import CustomerReply
from workflows.refund.replies import CARD_DATA_NOTICE as CARD_DATA_NOTICE
from workflows.refund.replies import with_card_notice as with_card_notice


def _hello(name: str | None) -> str:
    return f"Hi {name}," if name else "Hi,"


def clarifying_question(ticket_id: str, name: str | None, question: str) -> CustomerReply:
    return CustomerReply(
        subject=f"A quick question about your request (ticket {ticket_id})",
        body=f"{_hello(name)}\n\n{question}\n",
    )


def reminder(
    ticket_id: str, name: str | None, question: str, close_in_hours: float
) -> CustomerReply:
    return CustomerReply(
        subject=f"Reminder: we need a detail to continue (ticket {ticket_id})",
        body=(
            f"{_hello(name)}\n\nWe are still waiting for your reply so we can continue with your "
            f"request.\n\n{question}\n\nIf we do not hear from you within {close_in_hours:g} "
            "hours we will close this ticket; you can always open a new one.\n"
        ),
    )


def closed_without_reply(ticket_id: str, name: str | None) -> CustomerReply:
    return CustomerReply(
        subject=f"We have closed your ticket {ticket_id}",
        body=(
            f"{_hello(name)}\n\nWe did not hear back from you, so we have closed this ticket. "
            "Reply or open a new ticket whenever you are ready and we will pick it up.\n"
        ),
    )


def person_taking_over(ticket_id: str, name: str | None) -> CustomerReply:
    return CustomerReply(
        subject=f"We are looking into your request (ticket {ticket_id})",
        body=(
            f"{_hello(name)}\n\nThanks for your message. A member of our support team is taking "
            "over your request and will get back to you personally.\n"
        ),
    )


def person_reply(ticket_id: str, text: str) -> CustomerReply:
    """What a support person wrote (or approved from a draft), sent as they wrote it."""
    return CustomerReply(subject=f"Re: your request (ticket {ticket_id})", body=f"{text}\n")


def reopened(ticket_id: str, name: str | None) -> CustomerReply:
    return CustomerReply(
        subject=f"We have reopened your request (ticket {ticket_id})",
        body=(
            f"{_hello(name)}\n\nThanks for getting back to us. The member of our support team "
            "handling your request is looking at your message and will reply personally.\n"
        ),
    )
