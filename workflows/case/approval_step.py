"""The approval step: ask approvers, remind and escalate, record decisions, expire.

Runs inside a workflow (deterministic): all I/O goes through activities. Chat is best effort —
a Slack outage or misconfiguration must never block or fail a case, because approvers can always
decide through the API or CLI — while CRM records are retried until they land.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.chat import ChatActivities
    from activities.crm import CrmActivities
    from activities.models import (
        ApprovalDecisionRecord,
        ApprovalMessageRecord,
        ApprovalMessageRef,
        ApprovalMessageUpdate,
        ApprovalNotice,
        ApprovalReminder,
        ChatPostResult,
    )
    from policies.approval_levels import ApprovalLevel
    from workflows.case.approval_gate import ApprovalGate
    from workflows.case.options import CHAT_OPTIONS, RECORD_OPTIONS

Note = Callable[[str, str, str], None]
RECORD_AFTER_CONFIRM_PATCH = "record-decisions-after-confirmation"
MessageStatus = Literal["partially_approved", "approved", "rejected", "expired", "superseded"]


class ApprovalStep:
    """Waits for the gate to settle: approved, rejected or expired (after a reminder)."""

    def __init__(self, gate: ApprovalGate, notice: ApprovalNotice, note: Note) -> None:
        self._gate = gate
        self._notice = notice
        self._note = note
        self._refs: list[ApprovalMessageRef] = []
        self._recorded = 0

    async def run(
        self,
        remind_at: datetime,
        expires_at: datetime,
        escalation: ApprovalLevel | None,
        escalate_at: datetime | None = None,
    ) -> None:
        """Reminds at `remind_at` (escalating there, unless `escalate_at` gives the escalation
        its own later time) and expires at `expires_at`."""
        posted = await self._chat(
            ChatActivities.post_approval_request,
            self._notice,
            f"Ask {self._notice.level} approvers",
        )
        if posted is not None:
            self._keep(posted)
            self._gate.widen(posted.group_approvers)
            # Added after cases were already running: the patch keeps their histories replaying.
            if posted.ref is not None and workflow.patched("record-approval-message-ref"):
                await workflow.execute_activity_method(
                    CrmActivities.set_approval_message,
                    ApprovalMessageRecord(request_id=self._notice.request_id, ref=posted.ref),
                    summary="Record where the approval message is",
                    **RECORD_OPTIONS,
                )
        # Each nudge before expiry: (when, who else is asked). One by default; a separate
        # escalation time makes the reminder a plain one and adds the escalation after it.
        nudges: list[tuple[datetime, ApprovalLevel | None]] = (
            [(remind_at, escalation)]
            if escalate_at is None
            else [(remind_at, None), (escalate_at, escalation)]
        )
        # Decisions can arrive while the request is still being recorded and posted.
        await self._record_decisions()
        while not self._gate.settled:
            reminded = not nudges
            deadline = expires_at if reminded else nudges[0][0]
            # While the last approval is being confirmed against the system of record no timer
            # runs: the deadline has been met, and the decisions are recorded once it settles
            # (recording earlier would show the last approval as a partial one).
            confirming = self._gate.status == "confirming"
            try:
                await workflow.wait_condition(
                    lambda: (
                        self._gate.settled
                        or (
                            self._gate.status != "confirming"
                            and len(self._gate.decisions) > self._recorded
                        )
                    ),
                    timeout=None if confirming else max(deadline - workflow.now(), timedelta(0)),
                    timeout_summary="approval expiry" if reminded else "approval reminder",
                )
            except TimeoutError:
                if reminded:
                    # A decision applied in the same workflow task as the timer stays decided.
                    if self._gate.expire():
                        self._note(
                            "policy", "approval_expired", f"request {self._notice.request_id}"
                        )
                else:
                    _, level = nudges.pop(0)
                    if self._gate.status == "pending":
                        await self._remind(level)
            await self._record_decisions()
        if self._gate.status == "expired":
            await self._show(
                "expired", escalated_to=escalation.slack_channel if escalation else None
            )

    async def tell_no_money_moved(self, reason: str) -> None:
        """The approvals were given but the refund that followed failed: approvers must not be
        left reading "Approved" on a case that moved no money."""
        last = self._gate.decisions[-1][0] if self._gate.decisions else None
        await self._show("superseded", actor=last.approver if last else None, reason=reason)

    async def _remind(self, escalation: ApprovalLevel | None) -> None:
        if escalation is not None:
            # Escalation lets the next level decide the same request (same id, same amount).
            self._gate.widen([a.id for a in escalation.approvers])
        if self._gate.pending is not None:
            self._gate.pending.reminded = True
        self._note(
            "policy",
            "approval_reminder",
            f"escalated to {escalation.name}" if escalation else "reminder sent",
        )
        reminder = ApprovalReminder(
            notice=self._notice,
            ref=self._refs[0] if self._refs else None,
            escalate_to_channel=escalation.slack_channel if escalation else None,
            escalate_to_slack_ids=[a.slack_user_id for a in escalation.approvers if a.slack_user_id]
            if escalation
            else [],
        )
        posted = await self._chat(
            ChatActivities.post_approval_reminder, reminder, "Remind approvers"
        )
        if posted is not None and escalation is not None and escalation.slack_channel:
            self._keep(posted)  # the escalation copy has buttons too: keep it in step

    async def _record_decisions(self) -> None:
        # The last approval may still be in `confirming` when a slow post or record returns:
        # recorded now, it would read as a partial approval ("1 of 1") after the approver was
        # told "Approved". Cases started before this check keep replaying without it.
        if self._gate.status == "confirming" and workflow.patched(RECORD_AFTER_CONFIRM_PATCH):
            await workflow.wait_condition(lambda: self._gate.status != "confirming")
        while self._recorded < len(self._gate.decisions):
            decision, at = self._gate.decisions[self._recorded]
            self._recorded += 1
            last = self._recorded == len(self._gate.decisions)
            final: Literal["pending", "approved", "rejected", "expired", "superseded"] = "pending"
            if last and self._gate.status in ("approved", "rejected", "expired", "superseded"):
                final = self._gate.status  # type: ignore[assignment]
            await workflow.execute_activity_method(
                CrmActivities.record_approval_decision,
                ApprovalDecisionRecord(
                    ticket_id=self._notice.ticket_id,
                    workflow_id=self._notice.workflow_id,
                    request_id=decision.request_id,
                    approver=decision.approver,
                    decision=decision.decision,
                    reason=decision.reason,
                    channel=decision.channel,
                    at=at,
                    final_status=final,
                ),
                summary=f"Record {decision.decision} by {decision.approver}",
                **RECORD_OPTIONS,
            )
            status: MessageStatus = (
                "rejected"
                if decision.decision == "reject"
                else final
                if final in ("approved", "superseded")
                else "partially_approved"
            )
            reason = self._gate.superseded_reason if final == "superseded" else decision.reason
            await self._show(status, actor=decision.approver, reason=reason, at=at)

    async def _show(
        self,
        status: MessageStatus,
        *,
        actor: str | None = None,
        reason: str | None = None,
        at: datetime | None = None,
        escalated_to: str | None = None,
    ) -> None:
        pending = self._gate.pending
        for ref in self._refs:
            update = ApprovalMessageUpdate(
                ref=ref,
                notice=self._notice,
                status=status,
                actor=actor,
                reason=reason,
                at=at or workflow.now(),
                approvals_received=len(pending.approved_by) if pending else 0,
                escalated_to=escalated_to,
            )
            await self._chat(
                ChatActivities.update_approval_message, update, f"Show {status} in Slack"
            )

    def _keep(self, posted: ChatPostResult) -> None:
        if posted.ref is not None and posted.ref not in self._refs:
            self._refs.append(posted.ref)

    async def _chat(self, activity: Any, arg: Any, summary: str) -> Any:
        try:
            return await workflow.execute_activity_method(
                activity, arg, summary=summary, **CHAT_OPTIONS
            )
        except ActivityError as err:
            workflow.logger.warning("Chat step %r failed, continuing without it: %s", summary, err)
            self._note("chat", "chat_failed", f"{summary}: {err.cause or err}")
            return None
