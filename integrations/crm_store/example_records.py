"""CrmStore's labelled examples: saving a case as an example (audited with the person in the same
transaction), reading them back for triage, and what the case recorded to label it with."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from integrations.crm_records import AuditEntry
from integrations.crm_store.example_table import LabelledExample
from integrations.crm_store.handoff_table import Handoff
from integrations.crm_store.tables import AuditEvent
from integrations.crm_store.transactions import CrmTransactions
from integrations.crm_store.writes import audit_row, require_ticket
from integrations.labelled_examples import (
    ExampleDefaults,
    LabelledExampleView,
    NewLabelledExample,
)


class ExampleRecords(CrmTransactions):
    def save_labelled_example(self, example: NewLabelledExample) -> LabelledExampleView:
        """Stores the ticket's subject and body with the person's labels; raises TicketNotFound
        for a ticket the CRM does not know."""
        now = self._clock()
        with self.session() as session:
            ticket = require_ticket(session, example.ticket_id)
            row = LabelledExample(
                ticket_id=ticket.id,
                subject=ticket.subject,
                body=ticket.body,
                intent=example.intent,
                route=example.route,
                reply=example.reply,
                saved_by=example.saved_by,
                saved_at=now,
            )
            session.add(row)
            session.flush()
            entry = AuditEntry(
                actor=example.saved_by,
                action="example_saved",
                detail=f"example {row.id}: {example.intent} -> {example.route} "
                f"(via {example.channel})",
                at=now,
            )
            session.add(
                audit_row(ticket.id, ticket.workflow_id, entry, ticket.policy_version, None)
            )
            return LabelledExampleView.model_validate(row, from_attributes=True)

    def list_labelled_examples(
        self, *, intent: str | None = None, since: datetime | None = None, limit: int | None = None
    ) -> list[LabelledExampleView]:
        """Saved examples, newest first; optionally one intent, saved since a time, at most
        `limit`."""
        query = select(LabelledExample)
        if intent is not None:
            query = query.where(LabelledExample.intent == intent)
        if since is not None:
            query = query.where(col(LabelledExample.saved_at) >= since)
        query = query.order_by(col(LabelledExample.saved_at).desc(), col(LabelledExample.id).desc())
        if limit is not None:
            query = query.limit(limit)
        with self.session() as session:
            rows = session.exec(query).all()
            return [LabelledExampleView.model_validate(r, from_attributes=True) for r in rows]

    def example_defaults(self, ticket_id: str) -> ExampleDefaults:
        """Raises TicketNotFound for an unknown ticket."""
        with self.session() as session:
            require_ticket(session, ticket_id)
            actions = session.exec(
                select(AuditEvent.action, AuditEvent.detail)
                .where(
                    AuditEvent.ticket_id == ticket_id,
                    col(AuditEvent.action).in_(["triaged"])
                    | col(AuditEvent.action).startswith("routed:"),
                )
                .order_by(col(AuditEvent.at), col(AuditEvent.id))
            ).all()
            handoff = session.exec(
                select(Handoff)
                .where(Handoff.ticket_id == ticket_id)
                .order_by(col(Handoff.opened_at).desc())
            ).first()
        intents = [d.split(" ", 1)[0] for a, d in actions if a == "triaged"]
        routes = [a.removeprefix("routed:") for a, _ in actions if a.startswith("routed:")]
        reply = None
        if handoff is not None:
            reply = handoff.sent_text or handoff.draft_text
        return ExampleDefaults(
            ticket_id=ticket_id,
            intent=intents[-1] if intents else None,
            route=routes[-1] if routes else None,
            reply=reply,
        )
