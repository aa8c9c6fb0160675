"""CrmStore's case records: outcomes, audit trail, refunds and customer replies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select

from integrations.crm_records import AuditEntry, CaseOutcomeRecord, CustomerReply, RefundSummary
from integrations.crm_store import case_events, cases
from integrations.crm_store.tables import Customer, OutboxMessage, Refund, Ticket
from integrations.crm_store.transactions import CrmTransactions
from integrations.crm_store.views import OutboxMessageView, RefundView
from integrations.crm_store.writes import add_audit, insert_ignore


class CaseRecords(CrmTransactions):
    """Closing a case and what it leaves behind: one transaction per method."""

    def record_case_outcome(self, record: CaseOutcomeRecord) -> None:
        """Close a case in one transaction: ticket status and resolution, the refund row, the
        audit trail and the queued customer reply. Repeating it for the same workflow id (an
        activity retry) writes nothing new."""
        with self.session() as session:
            cases.record_outcome(session, record, self._clock())

    def record_audit(
        self,
        ticket_id: str,
        workflow_id: str | None,
        entries: Sequence[AuditEntry],
        policy_version: str | None,
        dedupe_key: str,
    ) -> int:
        """Append audit entries once per `dedupe_key`; returns how many were new."""
        with self.session() as session:
            return add_audit(session, ticket_id, workflow_id, entries, policy_version, dedupe_key)

    def recent_refunds(self, customer_id: str, since: datetime) -> list[RefundSummary]:
        """The customer's refunds recorded at or after `since` (must be timezone-aware)."""
        with self.session() as session:
            rows = session.exec(
                select(Refund)
                .where(Refund.customer_id == customer_id, Refund.created_at >= since)
                .order_by(col(Refund.created_at))
            ).all()
            return [
                RefundSummary(
                    ticket_id=r.ticket_id,
                    order_id=r.order_id or "",
                    amount_cents=r.amount_cents,
                    currency=r.currency,
                    created_at=r.created_at,
                )
                for r in rows
            ]

    def list_refunds(self, ticket_id: str) -> list[RefundView]:
        with self.session() as session:
            return cases.refunds(session, ticket_id)

    def queue_customer_message(self, ticket_id: str, reply: CustomerReply, dedupe_key: str) -> bool:
        """Queue a reply to the customer while the case stays open (a clarifying question, an
        answer, a hand-off notice) once per `dedupe_key`; False when it was already queued."""
        with self.session() as session:
            ticket = session.get(Ticket, ticket_id)
            customer = session.get(Customer, ticket.customer_id) if ticket else None
            message = OutboxMessage(
                ticket_id=ticket_id,
                recipient=customer.email if customer else None,
                subject=reply.subject,
                body=reply.body,
                citations=reply.citations,
                dedupe_key=dedupe_key,
                created_at=self._clock(),
            )
            queued = insert_ignore(session, message, ["dedupe_key"])
            case_events.add_reply_event(session, dedupe_key, message.created_at)
            return queued

    def list_outbox(self, ticket_id: str) -> list[OutboxMessageView]:
        with self.session() as session:
            return cases.outbox(session, ticket_id)
