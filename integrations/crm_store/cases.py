"""Closing a case and reading a ticket's history back."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from integrations.crm_records import CaseOutcomeRecord
from integrations.crm_store import approvals, case_events
from integrations.crm_store.tables import (
    CREDITED,
    Approval,
    AuditEvent,
    Customer,
    Note,
    OutboxMessage,
    Refund,
    Ticket,
)
from integrations.crm_store.views import (
    AuditEventView,
    NoteView,
    OutboxMessageView,
    RefundView,
    TicketView,
)
from integrations.crm_store.writes import (
    TERMINAL_STATUSES,
    add_audit,
    insert_ignore,
    require_ticket,
)


def record_outcome(session: Session, record: CaseOutcomeRecord, now: datetime) -> None:
    """Ticket status and resolution, refund row, audit trail and customer reply, keyed so that
    repeating the call for the same workflow id writes nothing new."""
    ticket = require_ticket(session, record.ticket_id)
    ticket.status = record.status
    ticket.resolution = record.resolution
    ticket.policy_version = record.policy_version or ticket.policy_version
    ticket.updated_at = now
    session.add(ticket)
    if record.refund is not None:
        refund = Refund(
            refund_id=record.refund.refund_id,
            ticket_id=record.ticket_id,
            workflow_id=record.workflow_id,
            customer_id=record.customer_id,
            order_id=record.order_id,
            charge_id=record.refund.charge_id,
            amount_cents=record.refund.amount_cents,
            currency=record.refund.currency,
            status=record.refund.status,
            created_at=now,
        )
        insert_ignore(session, refund, ["refund_id"])
    for adjustment in record.adjustments:
        row = Refund(
            refund_id=adjustment.object_id,
            ticket_id=record.ticket_id,
            workflow_id=record.workflow_id,
            customer_id=record.customer_id,
            order_id=adjustment.order_id or record.order_id,
            charge_id=adjustment.charge_id,
            amount_cents=adjustment.amount_cents,
            currency=adjustment.currency,
            status=CREDITED if adjustment.method == "credit" else "succeeded",
            created_at=now,
        )
        insert_ignore(session, row, ["refund_id"])
    add_audit(
        session,
        record.ticket_id,
        record.workflow_id,
        record.audit,
        record.policy_version,
        f"outcome:{record.workflow_id}",
    )
    if record.reply is not None:
        customer = session.get(Customer, ticket.customer_id)
        reply = OutboxMessage(
            ticket_id=record.ticket_id,
            recipient=customer.email if customer is not None else None,
            subject=record.reply.subject,
            body=record.reply.body,
            citations=record.reply.citations,
            dedupe_key=f"reply:{record.workflow_id}",
            created_at=now,
        )
        insert_ignore(session, reply, ["dedupe_key"])
        case_events.add_reply_event(session, reply.dedupe_key, now)
    if record.status in TERMINAL_STATUSES:
        case_events.add_case_event(
            session,
            record.ticket_id,
            case_events.outcome_kind(record.status),
            f"outcome:{record.workflow_id}",
            now,
            {"status": record.status, "resolution": record.resolution},
        )
        approvals.expire_pending_for_workflow(session, record.workflow_id, now)


def ticket_view(session: Session, ticket: Ticket) -> TicketView:
    audit = session.exec(
        select(AuditEvent)
        .where(AuditEvent.ticket_id == ticket.id)
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).all()
    notes = session.exec(
        select(Note).where(Note.ticket_id == ticket.id).order_by(col(Note.id))
    ).all()
    requests = session.exec(
        select(Approval).where(Approval.ticket_id == ticket.id).order_by(col(Approval.id))
    ).all()
    return TicketView(
        **ticket.model_dump(),
        audit=[AuditEventView.model_validate(e, from_attributes=True) for e in audit],
        outbox=outbox(session, ticket.id),
        approvals=[approvals.view(session, a) for a in requests],
        refunds=refunds(session, ticket.id),
        notes=[NoteView.model_validate(n, from_attributes=True) for n in notes],
    )


def refunds(session: Session, ticket_id: str) -> list[RefundView]:
    rows = session.exec(
        select(Refund).where(Refund.ticket_id == ticket_id).order_by(col(Refund.id))
    ).all()
    return [RefundView.model_validate(r, from_attributes=True) for r in rows]


def outbox(session: Session, ticket_id: str) -> list[OutboxMessageView]:
    rows = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.ticket_id == ticket_id)
        .order_by(col(OutboxMessage.id))
    ).all()
    return [OutboxMessageView.model_validate(r, from_attributes=True) for r in rows]
