"""Customer-facing wording of the address-change example. Pure functions."""

from __future__ import annotations

from activities.models import CustomerReply


def ask_for_address(ticket_id: str, order_id: str) -> CustomerReply:
    return CustomerReply(
        subject=f"[{ticket_id}] Your new delivery address",
        body=f"Which address should order {order_id} go to? Reply with street, city, postal code "
        "and country.",
    )


def reminder(ticket_id: str, order_id: str) -> CustomerReply:
    return CustomerReply(
        subject=f"[{ticket_id}] Still need your new address",
        body=f"We are holding order {order_id} until we have the new address.",
    )


def changed(ticket_id: str, order_id: str, summary: str) -> CustomerReply:
    return CustomerReply(
        subject=f"[{ticket_id}] Address updated",
        body=f"Order {order_id} will now be delivered to {summary}.",
    )


def not_changed(ticket_id: str, order_id: str) -> CustomerReply:
    return CustomerReply(
        subject=f"[{ticket_id}] Address unchanged",
        body=f"We did not hear back, so order {order_id} keeps its original address.",
    )
