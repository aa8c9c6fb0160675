"""One money case per order at a time.

A case that may move money on an order first holds the order. The hold is a row keyed by the
order id, so the database decides who got there first: the insert is `ON CONFLICT DO NOTHING`
on the primary key, never "look for a hold, then insert one", which two cases could both pass.
A case terminated without releasing (so its hold would stay forever) is taken over once the
hold is older than `stale_after`, with an update conditional on the row still being the stale
one, so of two cases taking over at once exactly one wins.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlmodel import Session, col, delete, exists, func, select, update

from integrations.crm_store.tables import CREDITED, OrderMoneyHold, Refund
from integrations.crm_store.writes import insert_ignore

# Each round either inserts, renews, takes over, or finds another holder; a new round is only
# needed when the holder released between our insert and our read, which cannot repeat forever
# in practice. The bound turns a pathological livelock into an error instead of a hung thread.
_MAX_ROUNDS = 5


class HoldResult(BaseModel):
    """Who holds the order after the attempt. `held` is True when the caller does (new, renewed
    or taken over); otherwise the holder fields name the other case."""

    held: bool
    order_id: str
    holder_workflow_id: str
    holder_ticket_id: str
    holder_process: str
    amount_cents: int
    acquired_at: datetime
    # The stale case this hold was taken from, if any, for the audit trail.
    taken_over_from: str | None = None


def _result(row: OrderMoneyHold, held: bool, taken_over_from: str | None = None) -> HoldResult:
    return HoldResult(
        held=held,
        order_id=row.order_id,
        holder_workflow_id=row.workflow_id,
        holder_ticket_id=row.ticket_id,
        holder_process=row.process,
        amount_cents=row.amount_cents,
        acquired_at=row.acquired_at,
        taken_over_from=taken_over_from,
    )


def _current(session: Session, order_id: str) -> OrderMoneyHold | None:
    # Fresh from the database, not the session's identity map, and locked on PostgreSQL so the
    # holder cannot release or renew between this read and the decision below.
    return session.exec(
        select(OrderMoneyHold)
        .where(col(OrderMoneyHold.order_id) == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def hold(
    session: Session,
    wanted: OrderMoneyHold,
    stale_after: timedelta,
) -> HoldResult:
    """Hold `wanted.order_id` for `wanted.workflow_id`, or report the case that holds it."""
    now = wanted.acquired_at
    for _ in range(_MAX_ROUNDS):
        if insert_ignore(session, wanted, ["order_id"]):
            return _result(wanted, held=True)
        current = _current(session, wanted.order_id)
        if current is None:
            continue  # released after our insert attempt: try again
        if current.workflow_id == wanted.workflow_id:
            # The same case again (an activity retry, or the case re-asserting its hold before
            # it pays): renew it and record what it may now move.
            current.amount_cents = wanted.amount_cents
            current.acquired_at = now
            session.add(current)
            session.flush()
            return _result(current, held=True)
        if current.acquired_at >= now - stale_after:  # only a hold older than that is stale
            return _result(current, held=False)
        # Read before the update: the ORM update refreshes `current` in place.
        stale_workflow_id, stale_since = current.workflow_id, current.acquired_at
        taken = session.exec(
            update(OrderMoneyHold)
            .where(
                col(OrderMoneyHold.order_id) == wanted.order_id,
                col(OrderMoneyHold.workflow_id) == stale_workflow_id,
                col(OrderMoneyHold.acquired_at) == stale_since,
            )
            .values(
                workflow_id=wanted.workflow_id,
                ticket_id=wanted.ticket_id,
                customer_id=wanted.customer_id,
                process=wanted.process,
                amount_cents=wanted.amount_cents,
                acquired_at=now,
            )
            .returning(col(OrderMoneyHold.order_id))
        ).first()
        if taken is not None:
            return _result(wanted, held=True, taken_over_from=stale_workflow_id)
        # Someone else renewed or took it over first: look again.
    raise RuntimeError(f"could not settle the money hold on order {wanted.order_id}")


def release(session: Session, order_id: str, workflow_id: str) -> bool:
    """Drop the hold if this case holds it; True if a hold was dropped. A case that lost its
    hold to a takeover must not release the new holder's."""
    dropped = session.exec(
        delete(OrderMoneyHold)
        .where(
            col(OrderMoneyHold.order_id) == order_id,
            col(OrderMoneyHold.workflow_id) == workflow_id,
        )
        .returning(col(OrderMoneyHold.order_id))
    ).first()
    return dropped is not None


def in_flight_for_customer(
    session: Session, customer_id: str, excluding_workflow_id: str
) -> tuple[int, int]:
    """(count, cents) of the customer's other money cases still open.

    A case that already recorded its refund in the CRM is counted there (recent refunds), not
    again here, for the moment between its outcome and its release.
    """
    recorded = exists().where(col(Refund.workflow_id) == col(OrderMoneyHold.workflow_id))
    count, cents = session.exec(
        select(func.count(), func.coalesce(func.sum(OrderMoneyHold.amount_cents), 0)).where(
            col(OrderMoneyHold.customer_id) == customer_id,
            col(OrderMoneyHold.workflow_id) != excluding_workflow_id,
            ~recorded,
        )
    ).one()
    return int(count), int(cents)


def adjusted_elsewhere(
    session: Session, order_id: str, charge_id: str, since: datetime, excluding_workflow_id: str
) -> int:
    """Cents other cases recorded as moved on the order since `since` that a look at the
    order's charge in Stripe does not show: balance credits, and refunds on its other charges
    (a billing dispute refunding a duplicate). Refunds on `charge_id` itself are read from
    Stripe, so they are not counted again here."""
    cents = session.exec(
        select(func.coalesce(func.sum(Refund.amount_cents), 0)).where(
            col(Refund.order_id) == order_id,
            col(Refund.created_at) >= since,
            col(Refund.workflow_id) != excluding_workflow_id,
            (col(Refund.charge_id) != charge_id) | (col(Refund.status) == CREDITED),
        )
    ).one()
    return int(cents)
