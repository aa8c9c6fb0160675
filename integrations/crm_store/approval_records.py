"""CrmStore's approval methods: one transaction each over the operations in `approvals`,
plus the audit of refused decisions and Slack clicks.
"""

from __future__ import annotations

from integrations.crm_records import (
    ApprovalClickRecord,
    ApprovalDecisionRecord,
    ApprovalRequestRecord,
    AuditEntry,
)
from integrations.crm_store import approvals
from integrations.crm_store.transactions import CrmTransactions
from integrations.crm_store.views import ApprovalView


class ApprovalRecords(CrmTransactions):
    """Approval requests, decisions, refusals and clicks as the CRM records them."""

    def record_approval_request(self, record: ApprovalRequestRecord) -> None:
        with self.session() as session:
            approvals.record_request(session, record, self._clock())

    def set_approval_message(self, request_id: str, channel: str, ts: str) -> None:
        """Remember where the Slack message for this request lives so it can be updated."""
        with self.session() as session:
            approval = approvals.require(session, request_id)
            approval.slack_channel = channel
            approval.slack_ts = ts
            session.add(approval)

    def record_approval_decision(self, record: ApprovalDecisionRecord) -> None:
        with self.session() as session:
            approvals.record_decision(session, record)

    def record_refused_approval(
        self,
        ticket_id: str,
        actor: str,
        channel: str,
        request_id: str | None,
        reason_code: str,
        message: str,
        dedupe_key: str | None = None,
    ) -> None:
        """Audit a decision the workflow refused (unauthorized, self-approval, stale, duplicate),
        so attempts leave a trace even though the case did not change. Without a `dedupe_key`
        every call is a new event: each click is one."""
        entry = AuditEntry(
            actor=actor,
            action="approval_refused",
            detail=f"{reason_code}: {message} (request {request_id or '-'}, via {channel})",
            at=self._clock(),
        )
        self._audit_ticket_event(ticket_id, entry, dedupe_key)

    def record_approval_click(self, click: ApprovalClickRecord) -> None:
        """Audit one Slack click, accepted or refused: who (Slack user and approver identity),
        when, on which request, and what became of it."""
        detail = (
            f"Slack user {click.slack_user_id} clicked {click.action} on request "
            f"{click.request_id}: {click.outcome}"
            + (f" ({click.code})" if click.code else "")
            + (f" - {click.detail}" if click.detail else "")
        )
        entry = AuditEntry(
            actor=click.approver or f"slack:{click.slack_user_id}",
            action=f"slack_click_{click.outcome}",
            detail=detail,
            at=click.at,
        )
        self._audit_ticket_event(click.ticket_id, entry, None)

    def get_approval(self, request_id: str) -> ApprovalView | None:
        with self.session() as session:
            try:
                return approvals.view(session, approvals.require(session, request_id))
            except approvals.ApprovalNotFound:
                return None

    def pending_approval_for_ticket(self, ticket_id: str) -> ApprovalView | None:
        """The request an approver acting on this ticket decides on: the newest pending one."""
        with self.session() as session:
            row = approvals.pending_for_ticket(session, ticket_id)
            return None if row is None else approvals.view(session, row)
