"""Idempotent write primitives shared by the store's operations.

Activities are retried by Temporal, so every write an activity makes must be repeatable: rows
carry a natural or derived unique key (ticket id, approval request id, Stripe refund id, audit
dedupe key) and go in with `INSERT ... ON CONFLICT DO NOTHING`, which SQLite and PostgreSQL
share. A retry after a crash then finds the first attempt's rows instead of writing them twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, update

from integrations.crm_records import AuditEntry
from integrations.crm_store.decision_table import DecisionFacts
from integrations.crm_store.tables import AuditEvent, CrmTable, Ticket

# Once a case reached one of these, late writes (a retried approval record) must not reopen it.
TERMINAL_STATUSES = frozenset({"resolved", "denied", "rejected", "escalated", "expired"})


class TicketNotFound(LookupError):
    """A case record was written for a ticket that open_case never recorded."""


def insert_ignore(session: Session, row: CrmTable, conflict_columns: list[str]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING for `row`; True if a row was inserted.

    Built from the model instance so its Python-side defaults apply (Core inserts skip them).
    Whether it inserted is read from RETURNING: drivers do not agree on rowcount here.
    """
    values = row.model_dump()
    if values.get("id") is None:
        values.pop("id", None)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(type(row))
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_columns)
        .returning(inspect(type(row)).primary_key[0])
    )
    return session.exec(statement).first() is not None


def audit_row(
    ticket_id: str,
    workflow_id: str | None,
    entry: AuditEntry,
    policy_version: str | None,
    dedupe_key: str | None,
) -> AuditEvent:
    return AuditEvent(
        ticket_id=ticket_id,
        workflow_id=workflow_id,
        actor=entry.actor,
        action=entry.action,
        detail=entry.detail,
        policy_version=policy_version,
        at=entry.at,
        dedupe_key=dedupe_key,
    )


def add_audit(
    session: Session,
    ticket_id: str,
    workflow_id: str | None,
    entries: Sequence[AuditEntry],
    policy_version: str | None,
    dedupe_key: str,
) -> int:
    """Insert a batch of audit entries once; returns how many were new.

    Entry i of a batch is keyed by its position: a retried batch is the same list.
    """
    if not entries:
        return 0
    values = []
    for i, entry in enumerate(entries):
        row = audit_row(ticket_id, workflow_id, entry, policy_version, f"{dedupe_key}:{i}")
        values.append(row.model_dump(exclude={"id"}))
        if entry.decision is not None:
            _add_decision(session, row, entry)
    # One multi-row statement instead of one per entry: a case closes with several entries.
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(AuditEvent)
        .values(values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(col(AuditEvent.id))
    )
    return len(session.exec(statement).all())


def _add_decision(session: Session, row: AuditEvent, entry: AuditEntry) -> None:
    """The facts a policy decided on, beside the audit entry that notes the decision."""
    assert entry.decision is not None and row.dedupe_key is not None
    decision = entry.decision
    facts = DecisionFacts(
        dedupe_key=row.dedupe_key,
        ticket_id=row.ticket_id,
        workflow_id=row.workflow_id,
        process=decision.process,
        policy_version=row.policy_version,
        decided_at=entry.at,
        verdict=decision.verdict,
        rule=decision.rule,
        amount_cents=decision.amount_cents,
        approval_level=decision.approval_level,
        required_approvals=decision.required_approvals,
        facts=decision.facts,
    )
    insert_ignore(session, facts, ["dedupe_key"])


def require_ticket(session: Session, ticket_id: str) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketNotFound(f"ticket {ticket_id} is not in the CRM")
    return ticket


def advance_ticket(session: Session, ticket_id: str, status: str, at: datetime) -> None:
    """Move an open case to `status`; a closed case keeps its final status."""
    session.exec(
        update(Ticket)
        .where(col(Ticket.id) == ticket_id, col(Ticket.status).not_in(TERMINAL_STATUSES))
        .values(status=status, updated_at=at)
    )
