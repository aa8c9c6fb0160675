"""What on-call watches, read from the CRM in one transaction: cases per process and status,
money refunded, approvals still waiting and how long, hand-off SLA breaches.

Computed from the system of record on each scrape rather than counted in memory, so every API
replica reports the same numbers and a restart loses nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from integrations.crm_store.handoff_table import Handoff
from integrations.crm_store.tables import Approval, Refund, Ticket


class CaseCount(BaseModel):
    process: str
    status: str
    count: int


class MoneyMoved(BaseModel):
    currency: str
    refunds: int
    amount_cents: int


class PendingApprovals(BaseModel):
    level: str
    count: int
    oldest_created_at: datetime | None


class HandoffCount(BaseModel):
    urgency: str
    open: int
    sla_breaches: int


class CaseCounts(BaseModel):
    cases: list[CaseCount]
    money: list[MoneyMoved]
    approvals: list[PendingApprovals]
    handoffs: list[HandoffCount]


# Refund rows carry Stripe's status; only these moved (or are moving) money.
MONEY_MOVED_STATUSES = ("succeeded", "pending")
OPEN_HANDOFF_STATES = ("waiting", "claimed", "awaiting_customer")


def read_case_counts(session: Session) -> CaseCounts:
    cases = session.exec(
        select(Ticket.process, Ticket.status, func.count()).group_by(
            col(Ticket.process), col(Ticket.status)
        )
    ).all()
    money = session.exec(
        select(Refund.currency, func.count(), func.coalesce(func.sum(Refund.amount_cents), 0))
        .where(col(Refund.status).in_(MONEY_MOVED_STATUSES))
        .group_by(col(Refund.currency))
    ).all()
    approvals = session.exec(
        select(Approval.level, func.count(), func.min(Approval.created_at))
        .where(Approval.status == "pending")
        .group_by(col(Approval.level))
    ).all()
    handoffs = session.exec(
        select(
            Handoff.urgency,
            func.count().filter(col(Handoff.state).in_(OPEN_HANDOFF_STATES)),
            func.count(col(Handoff.sla_breached_at)),
        ).group_by(col(Handoff.urgency))
    ).all()
    return CaseCounts(
        cases=[CaseCount(process=p, status=s, count=n) for p, s, n in cases],
        money=[MoneyMoved(currency=c, refunds=n, amount_cents=int(a)) for c, n, a in money],
        approvals=[
            PendingApprovals(level=lv, count=n, oldest_created_at=_aware(oldest))
            for lv, n, oldest in approvals
        ],
        handoffs=[HandoffCount(urgency=u, open=o, sla_breaches=b) for u, o, b in handoffs],
    )


def _aware(value: datetime | None) -> datetime | None:
    """MIN() bypasses the column type, so SQLite hands back a naive (UTC) value or a string."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
