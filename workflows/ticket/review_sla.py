"""SLA timers of an open hand-off, per urgency from the routing policy: a reminder to the
channel, then on breach a re-escalation (the claim is released, the hand-off is posted to the
escalation channel, any agent may claim it). One reminder and one breach per hand-off; the clock
restarts when the customer answers a question a person handed back."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.handoff_review import HandoffNotice, HandoffReviewActivities
    from policies.routing_policy import UrgencySla
    from workflows.ticket.review_records import ReviewBase


class TicketSla(ReviewBase):
    _sla_started_at: datetime

    @property
    def _sla(self) -> UrgencySla | None:
        return self._policy.sla.for_urgency(self._review.urgency)

    def _restart_sla(self) -> None:
        """The SLA clock starts when the hand-off opens, and again when the customer answers a
        question a person handed back; a breached hand-off has no further timers."""
        self._sla_started_at = workflow.now()
        sla, review = self._sla, self._review
        if sla is not None and review.sla_breached_at is None:
            review.sla_due_at = self._sla_started_at + timedelta(minutes=sla.breach_after_minutes)

    def _until_sla_timer(self) -> timedelta | None:
        sla, review = self._sla, self._review
        if sla is None or review.sla_breached_at is not None:
            return None
        minutes = sla.breach_after_minutes if review.sla_reminded_at else sla.remind_after_minutes
        due = self._sla_started_at + timedelta(minutes=minutes)
        return max(due - workflow.now(), timedelta(0))

    async def _sla_timer_fired(self) -> None:
        review, policy, now = self._review, self._policy, workflow.now()
        channel = review.assigned_channel or policy.handoff.slack_channel
        ticket_id = self._request.ticket_id
        who = f"claimed by {review.claimed_by}" if review.claimed_by else "not claimed yet"
        if review.sla_reminded_at is None:
            review.sla_reminded_at = now
            self._record.note("policy", "handoff_sla_reminder", who)
            await self._notice(
                channel, f"Reminder: ticket {ticket_id} is waiting for a person ({who}).", "remind"
            )
            await self._record_handoff("sla-reminder")
            return
        review.sla_breached_at = now
        escalation = policy.sla.escalation_channel
        review.claimed_by, review.claimed_at, review.state = None, None, "waiting"
        review.assigned_channel = escalation or review.assigned_channel
        self._record.note("policy", "handoff_sla_breached", f"{who}; re-escalated")
        minutes = self._sla.breach_after_minutes if self._sla else 0
        text = (
            f"SLA breached: ticket {ticket_id} ({review.urgency}) is still open after "
            f"{minutes:g} minutes ({who}). Re-escalated: any agent may claim it."
        )
        await self._notice(escalation or channel, text, "breach")
        if escalation and self._status.handoff is not None:
            await self._post(self._status.handoff, escalation)
        await self._record_handoff("sla-breach")

    async def _notice(self, channel: str | None, text: str, kind: str) -> None:
        review = self._review
        await self._chat_step(
            HandoffReviewActivities.post_handoff_notice,
            HandoffNotice(
                ticket_id=self._request.ticket_id,
                handoff_id=review.handoff_id,
                channel=channel,
                text=text,
                dedupe_key=f"{review.handoff_id}:{kind}",
            ),
            f"Hand-off SLA {kind}",
        )
