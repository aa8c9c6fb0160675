"""What every part of the open hand-off shares: the desk, the hand-off under review, its CRM
record (the whole current state, with the ticket's status and the notes since the last record),
and best-effort chat steps."""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.handoff_review import HandoffReviewActivities
    from integrations.handoff_records import HandoffRecord
    from workflows.case.failures import failure_reason
    from workflows.case.options import CHAT_OPTIONS, RECORD_OPTIONS
    from workflows.ticket.endings import TicketEndings
    from workflows.ticket.review_contract import HandoffReview
    from workflows.ticket.review_desk import HandoffDesk


class ReviewBase(TicketEndings):
    _desk: HandoffDesk

    @property
    def _review(self) -> HandoffReview:
        assert self._desk.review is not None, "a hand-off is open"
        return self._desk.review

    @property
    def _handoff_reason(self) -> str:
        return self._status.handoff.reason if self._status.handoff else "escalated"

    async def _record_handoff(self, step: str, resolution: str | None = None) -> None:
        review = self._review
        wf_id = workflow.info().workflow_id
        # Only a draft that was sent (as is or edited) pairs with the sent text for the edit
        # rate; a rejected draft stays visible through `draft_rejected`.
        sent_from_draft = review.ending in ("sent", "edited")
        await workflow.execute_activity_method(
            HandoffReviewActivities.record_handoff,
            HandoffRecord(
                handoff_id=review.handoff_id,
                ticket_id=self._request.ticket_id,
                workflow_id=wf_id,
                reason=self._handoff_reason,
                urgency=review.urgency,
                reopened=review.reopened,
                state=review.state,
                opened_at=review.opened_at,
                claimed_by=review.claimed_by,
                claimed_at=review.claimed_at,
                assigned_channel=review.assigned_channel,
                resolved_by=review.resolved_by,
                resolved_at=review.resolved_at,
                ending=review.ending,
                action_taken=review.action_taken,
                draft_text=review.draft if sent_from_draft else None,
                sent_text=review.sent_reply,
                draft_rejected=review.draft_rejected,
                sla_due_at=review.sla_due_at,
                sla_reminded_at=review.sla_reminded_at,
                sla_breached_at=review.sla_breached_at,
                ticket_status=self._status.state,
                ticket_resolution=resolution,
                audit=self._record.take_audit(),
                audit_key=f"{wf_id}:handoff:{review.handoff_id}:{step}",
            ),
            summary=f"Record hand-off {step}",
            **RECORD_OPTIONS,
        )

    async def _chat_step(self, activity: Any, arg: Any, summary: str) -> None:
        """Chat is best effort: people can always work the case through the API or CLI."""
        try:
            await workflow.execute_activity_method(activity, arg, summary=summary, **CHAT_OPTIONS)
        except ActivityError as err:
            self._record.note("chat", "chat_failed", f"{summary}: {failure_reason(err)}")
