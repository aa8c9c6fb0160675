"""CrmStore's decision records: the facts each case's policy decided on, with how the case
ended, for policy backtests. Read-only; the rows are written with the audit (`writes`)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import exists
from sqlmodel import Session, col, select

from integrations.crm_store.decision_table import DecisionFacts
from integrations.crm_store.tables import Approval, AuditEvent, Ticket
from integrations.crm_store.transactions import CrmTransactions


class DecidedCase(BaseModel):
    """A case's recorded decision (None when the CRM has no facts for it) and its ending."""

    ticket_id: str
    workflow_id: str | None
    process: str
    state: str
    # The status of the case's last approval request, if people were asked.
    approval: str | None = None
    policy_version: str | None = None
    decided_at: datetime | None = None
    verdict: str | None = None
    rule: str | None = None
    amount_cents: int = 0
    approval_level: str | None = None
    required_approvals: int = 0
    facts: dict[str, Any] | None = None


class DecisionRecords(CrmTransactions):
    def decided_cases(self, process: str, since: datetime | None = None) -> list[DecidedCase]:
        """Cases of `process` whose decision facts were recorded (decided at or after `since`),
        oldest first, with the ticket's status and the last approval request's status."""
        query = (
            select(DecisionFacts, Ticket.status)
            .join(Ticket, col(Ticket.id) == col(DecisionFacts.ticket_id))
            .where(DecisionFacts.process == process)
            .order_by(col(DecisionFacts.decided_at), col(DecisionFacts.id))
        )
        if since is not None:
            query = query.where(col(DecisionFacts.decided_at) >= since)
        with self.session() as session:
            approvals = _last_approvals(session, process, since)
            return [
                DecidedCase(
                    ticket_id=row.ticket_id,
                    workflow_id=row.workflow_id,
                    process=row.process,
                    state=status,
                    approval=approvals.get(row.workflow_id or row.ticket_id),
                    policy_version=row.policy_version,
                    decided_at=row.decided_at,
                    verdict=row.verdict,
                    rule=row.rule,
                    amount_cents=row.amount_cents,
                    approval_level=row.approval_level,
                    required_approvals=row.required_approvals,
                    facts=row.facts,
                )
                for row, status in session.exec(query).all()
            ]

    def cases_without_facts(
        self, process: str, decision_actions: Collection[str], since: datetime | None = None
    ) -> list[DecidedCase]:
        """Cases whose audit has one of `process`'s decision notes (`decision_actions`, e.g.
        `policy:auto_approve`) but no recorded facts: decided before facts were recorded, so
        their facts are only in the Temporal history. Found by the note, not the ticket's
        process: a triaged ticket keeps `triage` while its child decides."""
        decided = exists().where(
            col(AuditEvent.ticket_id) == col(Ticket.id),
            col(AuditEvent.action).in_(list(decision_actions)),
        )
        recorded = exists().where(col(DecisionFacts.ticket_id) == col(Ticket.id))
        query = select(Ticket).where(decided, ~recorded).order_by(col(Ticket.created_at))
        if since is not None:
            query = query.where(col(Ticket.created_at) >= since)
        with self.session() as session:
            approvals = _last_approvals(session, None, since)
            return [
                DecidedCase(
                    ticket_id=t.id,
                    workflow_id=t.workflow_id,
                    process=process,
                    state=t.status,
                    approval=approvals.get(t.id),
                    policy_version=t.policy_version,
                )
                for t in session.exec(query).all()
            ]


def _last_approvals(
    session: Session, process: str | None, since: datetime | None
) -> dict[str, str]:
    """The status of each case's last approval request, by workflow id and by ticket id (a
    triaged ticket's child process asks under its own workflow id)."""
    query = select(Approval.workflow_id, Approval.status, Approval.ticket_id).order_by(
        col(Approval.created_at), col(Approval.id)
    )
    if process is not None:
        decided = select(DecisionFacts.ticket_id).where(DecisionFacts.process == process)
        query = query.where(col(Approval.ticket_id).in_(decided))
    if since is not None:
        query = query.where(col(Approval.created_at) >= since)
    answers: dict[str, str] = {}
    for workflow_id, status, ticket_id in session.exec(query).all():
        answers[workflow_id] = answers[ticket_id] = status
    return answers
