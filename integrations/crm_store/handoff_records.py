"""CrmStore's hand-off records: the state of each hand-off, with the ticket's status and the
audit notes written in the same transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, func, select

from integrations.crm_store.handoff_table import Handoff
from integrations.crm_store.transactions import CrmTransactions
from integrations.crm_store.writes import add_audit, require_ticket
from integrations.handoff_records import HandoffRecord, HandoffView
from integrations.text_edits import normalised_edit_distance


class HandoffRecords(CrmTransactions):
    def record_handoff(self, record: HandoffRecord) -> None:
        """Writes the hand-off's current state; repeating the same record changes nothing."""
        now = self._clock()
        fields = record.model_dump(
            exclude={"ticket_status", "ticket_resolution", "audit", "audit_key"}
        )
        edited = record.draft_text is not None and record.sent_text is not None
        fields["edit_distance"] = (
            normalised_edit_distance(record.draft_text or "", record.sent_text or "")
            if edited
            else None
        )
        with self.session() as session:
            ticket = require_ticket(session, record.ticket_id)
            row = session.get(Handoff, record.handoff_id)
            if row is None:
                row = Handoff(**fields, updated_at=now)
            else:
                for name, value in fields.items():
                    setattr(row, name, value)
                row.updated_at = now
            session.add(row)
            ticket.status = record.ticket_status
            if record.ticket_resolution is not None:
                ticket.resolution = record.ticket_resolution
            ticket.updated_at = now
            session.add(ticket)
            add_audit(
                session,
                record.ticket_id,
                record.workflow_id,
                record.audit,
                ticket.policy_version,
                record.audit_key,
            )

    def list_handoffs(self, ticket_id: str) -> list[HandoffView]:
        with self.session() as session:
            rows = session.exec(
                select(Handoff)
                .where(Handoff.ticket_id == ticket_id)
                .order_by(col(Handoff.opened_at), col(Handoff.handoff_id))
            ).all()
            return [HandoffView.model_validate(r, from_attributes=True) for r in rows]

    def handoffs_opened(self, since: datetime, until: datetime) -> list[HandoffView]:
        """Hand-offs opened in [since, until) (timezone-aware), for the outcomes report."""
        with self.session() as session:
            rows = session.exec(
                select(Handoff)
                .where(col(Handoff.opened_at) >= since, col(Handoff.opened_at) < until)
                .order_by(col(Handoff.opened_at))
            ).all()
            return [HandoffView.model_validate(r, from_attributes=True) for r in rows]

    def reopen_count(self, ticket_id: str) -> int:
        """How many times the customer came back after a person resolved the ticket."""
        with self.session() as session:
            count = session.exec(
                select(func.count())
                .select_from(Handoff)
                .where(Handoff.ticket_id == ticket_id, col(Handoff.reopened).is_(True))
            ).one()
            return int(count)
