"""CrmStore's reads for the outcomes report: every ticket filed in a period with what the CRM
recorded about it (customer tier, the replies queued and their delivery state, hand-offs,
approvals, the audit rows the report's categories and LLM costs come from), in six queries
whatever the number of cases."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlalchemy import select as select_columns
from sqlmodel import col, select

from integrations.crm_store.handoff_table import Handoff
from integrations.crm_store.tables import (
    Approval,
    ApprovalDecisionRow,
    AuditEvent,
    Customer,
    OutboxMessage,
    Ticket,
)
from integrations.crm_store.transactions import CrmTransactions
from integrations.outcome_facts import (
    ApprovalFacts,
    AuditFact,
    CaseFacts,
    HandoffFacts,
    ReplyFacts,
)

TERMINAL_STATES = frozenset({"resolved", "denied", "rejected", "escalated", "expired"})
# The audit rows the report reads; the rest (notes on each step) stay in the database.
_AUDIT_ACTIONS = ("triaged", "routed:escalate", "routed:start_process", "routed:answer")
_AUDIT_EXACT = (*_AUDIT_ACTIONS, "approval_superseded", "llm_usage")
_TOKENS = re.compile(r"(\d+)\+(\d+)")


def _tokens(audit: list[AuditFact]) -> tuple[int, int]:
    spent_in = spent_out = 0
    for entry in audit:
        if entry.action == "llm_usage":
            for used_in, used_out in _TOKENS.findall(entry.detail):
                spent_in, spent_out = spent_in + int(used_in), spent_out + int(used_out)
    return spent_in, spent_out


def _intent(audit: list[AuditFact]) -> str:
    triaged = [e.detail for e in audit if e.action == "triaged"]
    return triaged[-1].split(" ", 1)[0] if triaged else "-"


def _process(filed_as: str, audit: list[AuditFact]) -> str:
    """A ticket filed for a process is that process; a triaged one is where triage sent it."""
    if filed_as != "ticket":
        return filed_as
    for entry in reversed(audit):
        if entry.action == "routed:start_process":
            return entry.detail.split(": ", 1)[0].removeprefix("process:")
        if entry.action == "routed:answer":
            return "knowledge"
        if entry.action == "routed:escalate":
            return "escalation"
    return "ticket"


class OutcomeReads(CrmTransactions):
    def outcome_facts(self, since: datetime, until: datetime) -> list[CaseFacts]:
        """Tickets created in [since, until) (timezone-aware), oldest first."""
        in_period = (col(Ticket.created_at) >= since, col(Ticket.created_at) < until)
        ids = select(Ticket.id).where(*in_period)
        with self.session() as session:
            # Seven columns: more than sqlmodel's typed `select` takes.
            tickets = session.execute(
                select_columns(
                    col(Ticket.id),
                    col(Ticket.created_at),
                    col(Ticket.updated_at),
                    col(Ticket.process),
                    col(Ticket.channel),
                    col(Ticket.status),
                    col(Customer.tier),
                )
                .join(Customer, col(Customer.id) == col(Ticket.customer_id), isouter=True)
                .where(*in_period)
                .order_by(col(Ticket.created_at), col(Ticket.id))
            ).all()
            audit: dict[str, list[AuditFact]] = defaultdict(list)
            for ticket_id, actor, action, detail in session.exec(
                select(AuditEvent.ticket_id, AuditEvent.actor, AuditEvent.action, AuditEvent.detail)
                .where(
                    col(AuditEvent.ticket_id).in_(ids),
                    or_(
                        col(AuditEvent.action).in_(_AUDIT_EXACT),
                        col(AuditEvent.action).like("%\\_failed", escape="\\"),
                        col(AuditEvent.action).like("%\\_refused", escape="\\"),
                    ),
                )
                .order_by(col(AuditEvent.at), col(AuditEvent.id))
            ).all():
                # Rows from our own tables, as plain dataclasses (10k cases in seconds).
                audit[ticket_id].append(AuditFact(actor=actor, action=action, detail=detail))
            replies: dict[str, list[ReplyFacts]] = defaultdict(list)
            for ticket_id, message_id, queued_at, status, attempts, last_error in session.execute(
                select_columns(
                    col(OutboxMessage.ticket_id),
                    col(OutboxMessage.id),
                    col(OutboxMessage.created_at),
                    col(OutboxMessage.status),
                    col(OutboxMessage.attempts),
                    col(OutboxMessage.last_error),
                )
                .where(col(OutboxMessage.ticket_id).in_(ids))
                .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id))
            ).all():
                replies[ticket_id].append(
                    ReplyFacts(
                        message_id=message_id,
                        queued_at=queued_at,
                        status=status,
                        attempts=attempts,
                        last_error=last_error,
                    )
                )
            handoffs: dict[str, list[HandoffFacts]] = defaultdict(list)
            for row in session.execute(
                select_columns(
                    col(Handoff.ticket_id),
                    col(Handoff.reason),
                    col(Handoff.opened_at),
                    col(Handoff.claimed_at),
                    col(Handoff.resolved_at),
                    col(Handoff.ending),
                    col(Handoff.reopened),
                    col(Handoff.draft_text).is_not(None),
                    col(Handoff.draft_rejected),
                    col(Handoff.edit_distance),
                    col(Handoff.sla_breached_at).is_not(None),
                )
                .where(col(Handoff.ticket_id).in_(ids))
                .order_by(col(Handoff.opened_at), col(Handoff.handoff_id))
            ).all():
                handoffs[row[0]].append(
                    HandoffFacts(
                        reason=row[1],
                        opened_at=row[2],
                        claimed_at=row[3],
                        resolved_at=row[4],
                        ending=row[5],
                        reopened=bool(row[6]),
                        drafted=bool(row[7]),
                        draft_rejected=bool(row[8]),
                        edit_distance=row[9],
                        sla_breached=bool(row[10]),
                    )
                )
            approvals = self._approvals(session, ids)
        return [
            _case(row, audit[row[0]], replies[row[0]], handoffs[row[0]], approvals[row[0]])
            for row in tickets
        ]

    @staticmethod
    def _approvals(session: Any, ids: Any) -> dict[str, list[ApprovalFacts]]:
        decisions: dict[str, list[str]] = defaultdict(list)
        for request_id, decision in session.exec(
            select(ApprovalDecisionRow.request_id, ApprovalDecisionRow.decision)
            .join(Approval, col(Approval.request_id) == col(ApprovalDecisionRow.request_id))
            .where(col(Approval.ticket_id).in_(ids))
            .order_by(col(ApprovalDecisionRow.at))
        ).all():
            decisions[request_id].append(decision)
        found: dict[str, list[ApprovalFacts]] = defaultdict(list)
        for ticket_id, request_id, requested, decided, status in session.execute(
            select_columns(
                col(Approval.ticket_id),
                col(Approval.request_id),
                col(Approval.created_at),
                col(Approval.decided_at),
                col(Approval.status),
            )
            .where(col(Approval.ticket_id).in_(ids))
            .order_by(col(Approval.created_at))
        ).all():
            found[ticket_id].append(
                ApprovalFacts(
                    requested_at=requested,
                    decided_at=decided,
                    status=status,
                    decisions=decisions[request_id],
                )
            )
        return found


def _case(
    row: Any,
    audit: list[AuditFact],
    replies: list[ReplyFacts],
    handoffs: list[HandoffFacts],
    approvals: list[ApprovalFacts],
) -> CaseFacts:
    ticket_id, created_at, updated_at, process, channel, status, tier = row
    resolved = [h.resolved_at for h in handoffs if h.resolved_at is not None]
    # A person's resolution is the end; otherwise the last write to a ticket in a terminal
    # state is when its outcome was recorded.
    ended_at = max(resolved) if resolved else updated_at
    spent_in, spent_out = _tokens(audit)
    return CaseFacts(
        ticket_id=ticket_id,
        created_at=created_at,
        intent=_intent(audit),
        process=_process(process, audit),
        tier=tier or "unknown",
        channel=channel,
        status=status,
        ended_at=ended_at if status in TERMINAL_STATES else None,
        first_reply_at=replies[0].queued_at if replies else None,
        handoffs=handoffs,
        approvals=approvals,
        audit=audit,
        replies=replies,
        input_tokens=spent_in,
        output_tokens=spent_out,
    )
