"""Approval requests and decisions as the CRM records them.

The workflow owns the approval logic (validator, counting, expiry); these rows let the API, CLI
and Slack handlers find the pending request for a ticket and show who decided what.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select, update

from integrations.crm_records import ApprovalDecisionRecord, ApprovalRequestRecord, AuditEntry
from integrations.crm_store import case_events
from integrations.crm_store.tables import Approval, ApprovalDecisionRow
from integrations.crm_store.views import ApprovalDecisionView, ApprovalView
from integrations.crm_store.writes import add_audit, advance_ticket, insert_ignore, require_ticket

# Where a case goes once its approval request is settled.
_CASE_STATUS_AFTER = {"approved": "refunding", "rejected": "rejected", "expired": "expired"}


class ApprovalNotFound(LookupError):
    """A decision or message reference names an approval request the CRM does not know."""


def record_request(session: Session, record: ApprovalRequestRecord, now: datetime) -> None:
    """Record that a case waits for approval. A new request voids the ticket's older pending
    ones: approvals are bound to one exact action, and the action just changed."""
    require_ticket(session, record.ticket_id)
    approval = Approval(
        **record.model_dump(exclude={"audit"}),
        created_at=now,
    )
    insert_ignore(session, approval, ["request_id"])
    session.exec(
        update(Approval)
        .where(
            col(Approval.ticket_id) == record.ticket_id,
            col(Approval.status) == "pending",
            col(Approval.request_id) != record.request_id,
        )
        .values(status="expired", decided_at=now)
    )
    add_audit(
        session,
        record.ticket_id,
        record.workflow_id,
        record.audit,
        record.policy_version,
        f"approval:{record.request_id}:requested",
    )
    advance_ticket(session, record.ticket_id, "awaiting_approval", now)
    case_events.add_case_event(
        session,
        record.ticket_id,
        case_events.WAITING_FOR_APPROVAL,
        f"approval:{record.request_id}",
        now,
        {"level": record.level, "amount_cents": record.amount_cents, "currency": record.currency},
    )


def require(session: Session, request_id: str) -> Approval:
    approval = session.exec(select(Approval).where(Approval.request_id == request_id)).first()
    if approval is None:
        raise ApprovalNotFound(f"approval request {request_id} is not in the CRM")
    return approval


def record_decision(session: Session, record: ApprovalDecisionRecord) -> None:
    """Record one approver's decision (once per approver) and the request's resulting status."""
    approval = require(session, record.request_id)
    decision = ApprovalDecisionRow(
        request_id=record.request_id,
        approver=record.approver,
        decision=record.decision,
        reason=record.reason,
        channel=record.channel,
        at=record.at,
    )
    insert_ignore(session, decision, ["request_id", "approver"])
    if approval.status == "pending" and record.final_status != "pending":
        approval.status = record.final_status
        approval.decided_at = record.at
        session.add(approval)
    entry = AuditEntry(
        actor=record.approver,
        action=_decision_action(record),
        detail=_decision_detail(record, approval),
        at=record.at,
    )
    add_audit(
        session,
        record.ticket_id,
        record.workflow_id,
        [entry],
        approval.policy_version,
        f"approval:{record.request_id}:decision:{record.approver}",
    )
    if record.final_status in _CASE_STATUS_AFTER:
        advance_ticket(
            session, record.ticket_id, _CASE_STATUS_AFTER[record.final_status], record.at
        )


def pending_for_ticket(session: Session, ticket_id: str) -> Approval | None:
    """The request an approver acting on this ticket decides on: the newest pending one."""
    return session.exec(
        select(Approval)
        .where(Approval.ticket_id == ticket_id, Approval.status == "pending")
        .order_by(col(Approval.created_at).desc(), col(Approval.id).desc())
    ).first()


def expire_pending_for_workflow(session: Session, workflow_id: str, now: datetime) -> None:
    """A request still pending when its case closed can no longer be acted on."""
    session.exec(
        update(Approval)
        .where(col(Approval.workflow_id) == workflow_id, col(Approval.status) == "pending")
        .values(status="expired", decided_at=now)
    )


def view(session: Session, approval: Approval) -> ApprovalView:
    decisions = session.exec(
        select(ApprovalDecisionRow)
        .where(ApprovalDecisionRow.request_id == approval.request_id)
        .order_by(col(ApprovalDecisionRow.at), col(ApprovalDecisionRow.id))
    ).all()
    return ApprovalView(
        **approval.model_dump(exclude={"id"}),
        decisions=[ApprovalDecisionView.model_validate(d, from_attributes=True) for d in decisions],
    )


def _decision_action(record: ApprovalDecisionRecord) -> str:
    if record.final_status == "expired":
        return "approval_expired"
    return "approval_approved" if record.decision == "approve" else "approval_rejected"


def _decision_detail(record: ApprovalDecisionRecord, approval: Approval) -> str:
    verb = "approved" if record.decision == "approve" else "rejected"
    detail = (
        f"{verb} {approval.level} request {record.request_id} for "
        f"{approval.amount_cents} {approval.currency} via {record.channel}; "
        f"request is now {record.final_status}"
    )
    return f"{detail}. Reason: {record.reason}" if record.reason else detail
