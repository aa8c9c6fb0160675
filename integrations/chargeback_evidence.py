"""What our systems of record hold about a disputed charge: the order it paid for and its lines,
the customer, and the customer's tickets with our replies, read from the CRM store.

Plain data for the chargeback activity to turn into Stripe evidence fields; no Temporal imports.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import col, select

from integrations.crm_store import CrmStore
from integrations.crm_store.tables import (
    Customer,
    Order,
    OrderLine,
    OutboxMessage,
    Payment,
    Ticket,
)

# Enough for a reviewer and the bank; older tickets rarely bear on one charge.
MAX_TICKETS = 10


class TicketExchange(BaseModel):
    ticket_id: str
    subject: str
    created_at: datetime
    replies: list[str] = []


class ChargeRecord(BaseModel):
    order_id: str
    placed_at: datetime
    total_cents: int
    currency: str
    lines: list[str]
    customer_id: str
    customer_name: str
    customer_email: str
    tickets: list[TicketExchange] = []


def charge_record(store: CrmStore, charge_id: str) -> ChargeRecord | None:
    """The order, customer and tickets behind `charge_id`; None when no order was paid by it."""
    with store.session() as session:
        payment = session.exec(select(Payment).where(Payment.charge_id == charge_id)).first()
        if payment is None:
            return None
        order = session.get(Order, payment.order_id)
        customer = session.get(Customer, order.customer_id) if order else None
        if order is None or customer is None:
            return None
        lines = session.exec(
            select(OrderLine).where(OrderLine.order_id == order.id).order_by(col(OrderLine.id))
        ).all()
        tickets = session.exec(
            select(Ticket)
            .where(Ticket.customer_id == customer.id, Ticket.process != "chargeback")
            .order_by(col(Ticket.created_at).desc())
            .limit(MAX_TICKETS)
        ).all()
        exchanges = []
        for ticket in tickets:
            replies = session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.ticket_id == ticket.id)
                .order_by(col(OutboxMessage.id))
            ).all()
            exchanges.append(
                TicketExchange(
                    ticket_id=ticket.id,
                    subject=ticket.subject,
                    created_at=ticket.created_at,
                    replies=[reply.subject for reply in replies],
                )
            )
        return ChargeRecord(
            order_id=order.id,
            placed_at=order.placed_at,
            total_cents=order.total_cents,
            currency=order.currency,
            lines=[f"{line.quantity} x {line.title} ({line.sku})" for line in lines],
            customer_id=customer.id,
            customer_name=customer.name,
            customer_email=customer.email,
            tickets=exchanges,
        )
