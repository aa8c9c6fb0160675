"""Writing case events in the transaction of the change they announce (see delivery_tables).

Kinds follow the callback contract (docs/delivery.md): `case.started`,
`case.waiting_for_approval`, `case.reply`, `case.escalated`, `case.resolved` and `case.closed`
(denied, rejected, expired). Each write is keyed, so a retried activity announces once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from integrations.crm_store.delivery_tables import CaseEvent
from integrations.crm_store.tables import OutboxMessage
from integrations.crm_store.writes import insert_ignore

STARTED = "case.started"
WAITING_FOR_APPROVAL = "case.waiting_for_approval"
REPLY = "case.reply"
ESCALATED = "case.escalated"
RESOLVED = "case.resolved"
CLOSED = "case.closed"

_OUTCOME_KINDS = {"resolved": RESOLVED, "escalated": ESCALATED}


def outcome_kind(status: str) -> str:
    """The event a case's final status announces."""
    return _OUTCOME_KINDS.get(status, CLOSED)


def add_case_event(
    session: Session,
    ticket_id: str,
    kind: str,
    dedupe_key: str,
    now: datetime,
    data: dict[str, Any] | None = None,
    outbox_id: int | None = None,
) -> bool:
    """Record the event once per `dedupe_key`; True when it is new."""
    event = CaseEvent(
        ticket_id=ticket_id,
        kind=kind,
        outbox_id=outbox_id,
        data=data or {},
        dedupe_key=f"event:{dedupe_key}",
        created_at=now,
    )
    return insert_ignore(session, event, ["dedupe_key"])


def add_reply_event(session: Session, outbox_dedupe_key: str, now: datetime) -> None:
    """The `case.reply` event of the outbox row queued under `outbox_dedupe_key`."""
    message = session.exec(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == outbox_dedupe_key)
    ).first()
    if message is None or message.id is None:
        return
    add_case_event(
        session,
        message.ticket_id,
        REPLY,
        f"reply:{message.id}",
        now,
        {"subject": message.subject},
        outbox_id=message.id,
    )
