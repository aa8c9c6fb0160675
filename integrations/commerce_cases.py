"""Which open case, if any, is about an order: the webhook of a commerce system reconciles with
it instead of starting anything new."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from integrations.crm_store import CrmStore
from integrations.crm_store.tables import Ticket

CLOSED_STATES = ("resolved", "denied", "rejected", "escalated", "expired")


@dataclass(frozen=True)
class OpenCase:
    ticket_id: str
    workflow_id: str
    process: str


def open_cases_for_order(store: CrmStore, order_id: str) -> list[OpenCase]:
    """The order's cases still running (oldest first), with the workflow that runs each."""
    with store.session() as session:
        rows = session.exec(
            select(Ticket)
            .where(
                Ticket.order_id == order_id,
                col(Ticket.status).not_in(CLOSED_STATES),
                col(Ticket.workflow_id).is_not(None),
            )
            .order_by(col(Ticket.created_at))
        ).all()
        return [OpenCase(row.id, row.workflow_id or "", row.process) for row in rows]
