"""Customer-facing wording for refund outcomes. Pure functions: the workflow calls them."""

from __future__ import annotations

from typing import overload

from activities.models import CustomerReply, RefundResult

CARD_DATA_NOTICE = (
    "For your security we removed what looked like a card number from your message; please "
    "never send card numbers to support (we will never ask for one)."
)


@overload
def with_card_notice(reply: CustomerReply, card_data_removed: bool) -> CustomerReply: ...
@overload
def with_card_notice(reply: None, card_data_removed: bool) -> None: ...
@overload
def with_card_notice(
    reply: CustomerReply | None, card_data_removed: bool
) -> CustomerReply | None: ...
def with_card_notice(reply: CustomerReply | None, card_data_removed: bool) -> CustomerReply | None:
    """The reply, with one sentence asking for no card data when intake had to remove some."""
    if reply is None or not card_data_removed or CARD_DATA_NOTICE in reply.body:
        return reply
    return reply.model_copy(update={"body": f"{reply.body.rstrip()}\n\n{CARD_DATA_NOTICE}\n"})


def _money(cents: int, currency: str) -> str:
    return f"{cents / 100:,.2f} {currency.upper()}"


def refunded(ticket_id: str, name: str, amount_cents: int, currency: str) -> CustomerReply:
    return CustomerReply(
        subject=f"Your refund for ticket {ticket_id}",
        body=(
            f"Hi {name},\n\nWe have refunded {_money(amount_cents, currency)} to your original "
            "payment method. Depending on your bank it can take 5-10 business days to appear.\n"
        ),
    )


def denied(ticket_id: str, name: str, reason: str) -> CustomerReply:
    return CustomerReply(
        subject=f"About your refund request (ticket {ticket_id})",
        body=(
            f"Hi {name},\n\nWe are sorry, but we cannot refund this order: {reason}\n"
            "Reply to this message if you think we got something wrong.\n"
        ),
    )


def rejected(ticket_id: str, name: str, reason: str | None) -> CustomerReply:
    why = f" The reviewer noted: {reason}" if reason else ""
    return CustomerReply(
        subject=f"About your refund request (ticket {ticket_id})",
        body=(
            f"Hi {name},\n\nOur team reviewed your refund request and could not approve it.{why}\n"
            "Reply to this message if you would like us to take another look.\n"
        ),
    )


def escalated(ticket_id: str, name: str) -> CustomerReply:
    return CustomerReply(
        subject=f"We are looking into your request (ticket {ticket_id})",
        body=(
            f"Hi {name},\n\nA member of our support team is taking over your request and will "
            "get back to you shortly.\n"
        ),
    )


def disputed(ticket_id: str, name: str) -> CustomerReply:
    return CustomerReply(
        subject=f"About your refund request (ticket {ticket_id})",
        body=(
            f"Hi {name},\n\nYour bank has opened a dispute (a chargeback) for this payment, so "
            "the money is being settled through your bank and we cannot refund it a second "
            "time. We are answering the dispute with your bank directly; you do not need to do "
            "anything. If you would rather have us refund you, ask your bank to withdraw the "
            "dispute and reply to this message.\n"
        ),
    )


def reply_for(
    kind: str,
    ticket_id: str,
    customer_name: str | None,
    resolution: str,
    refund: RefundResult | None,
    reviewer_reason: str | None,
) -> CustomerReply | None:
    """The reply for how the case ended; None for an unknown customer, as there is nobody to
    write to and a person takes over."""
    if customer_name is None:
        return None
    if kind == "refunded" and refund is not None:
        return refunded(ticket_id, customer_name, refund.amount_cents, refund.currency)
    if kind == "denied":
        return denied(ticket_id, customer_name, resolution)
    if kind == "rejected":
        return rejected(ticket_id, customer_name, reviewer_reason)
    if kind == "disputed":
        return disputed(ticket_id, customer_name)
    return escalated(ticket_id, customer_name)
