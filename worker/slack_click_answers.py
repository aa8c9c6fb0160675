"""What a Slack approver sees after a click (the message re-rendered with the outcome, or a
note only they see), and the record every click leaves in the CRM."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Literal

from activities.models import ApprovalClickRecord, ApprovalMessageRef
from integrations.slack_approval_updates import ApprovalStatusLine, apply_outcome, outcome_fallback
from integrations.slack_approvals import SlackApprovals
from integrations.slack_blocks import mention
from worker.approval_refusals import ApprovalRefused
from worker.slack_click_payloads import Click, Decision
from workflows.case.contract import ApprovalReceipt

log = logging.getLogger("worker.slack_clicks")

RecordClick = Callable[[ApprovalClickRecord], Awaitable[None] | None]

REFUSAL_TITLES = {
    "not_an_approver": "You are not an approver for this refund.",
    "self_approval": "You cannot decide a refund you requested.",
    "stale_request": "This request changed since the message was posted; nothing was decided.",
    "already_decided": "This refund was already decided.",
    "expired": "This approval request has expired.",
    "no_pending_approval": "This case is not waiting for an approval.",
    "case_closed": "This case is closed.",
    "unlinked_slack_account": "Your Slack account is not linked to a supportflow person.",
}
UNAVAILABLE_TEXT = (
    ":warning: Your decision could not be delivered to the case right now; nothing was "
    "decided. Please try again in a minute."
)
UNAVAILABLE_TEXT = (
    ":warning: Your decision could not be delivered to the case right now; nothing was "
    "decided. Please try again in a minute."
)


class ClickAnswers:
    """Answers the clicker and records the click. A lost note or click row is logged, not
    raised (the decision itself is in workflow history); re-rendering the message can raise."""

    def __init__(
        self, *, slack: SlackApprovals, record_click: RecordClick, clock: Callable[[], datetime]
    ) -> None:
        self._slack = slack
        self._record_click = record_click
        self._clock = clock

    def approval_outcome(
        self, click: Click, person: str, receipt: ApprovalReceipt
    ) -> ApprovalStatusLine:
        if receipt.status == "superseded":
            # Approvals complete, but what they approved no longer holds: no money moves, and
            # the approver must not read "Approved" alone.
            return ApprovalStatusLine(
                status="superseded",
                at=self._clock(),
                actor=mention(click.user, person),
                reason=receipt.message,
                approvals_received=receipt.approvals_received,
                required_approvals=receipt.required_approvals,
                action=click.action.action,
            )
        return ApprovalStatusLine(
            status="approved" if receipt.status == "approved" else "partially_approved",
            at=self._clock(),
            actor=mention(click.user, person),
            approvals_received=receipt.approvals_received,
            required_approvals=receipt.required_approvals,
            action=click.action.action,
        )

    async def refused(
        self,
        click: Click,
        approver: str | None,
        action: Decision,
        refused: ApprovalRefused,
    ) -> None:
        await self.record(
            click, approver, action, "refused", code=refused.code, detail=refused.message
        )
        title = REFUSAL_TITLES.get(refused.code, "Your decision was not accepted.")
        await self.tell(click, f":no_entry: {title} {refused.message} Nothing was changed.")

    async def show(self, click: Click, outcome: ApprovalStatusLine) -> None:
        ref = ApprovalMessageRef(channel=click.channel, ts=click.message_ts)
        blocks = apply_outcome(click.blocks, outcome)
        text = outcome_fallback(outcome, click.text or "refund approval")
        await asyncio.to_thread(self._slack.update, ref, text=text, blocks=blocks)

    async def tell(self, click: Click, text: str) -> None:
        await self.say(click.channel, click.user, text)

    async def say(self, channel: str, user: str, text: str) -> None:
        try:
            await asyncio.to_thread(self._slack.post_ephemeral, channel, user, text)
        except Exception:
            log.exception("could not tell %s about their click", user)

    async def record(
        self,
        click: Click,
        approver: str | None,
        action: Decision,
        outcome: Literal["accepted", "refused", "reason_requested", "failed"],
        *,
        code: str | None = None,
        detail: str = "",
    ) -> None:
        record = ApprovalClickRecord(
            ticket_id=click.action.ticket_id,
            request_id=click.action.request_id,
            slack_user_id=click.user,
            approver=approver,
            action=action,
            outcome=outcome,
            code=code,
            detail=detail,
            channel=click.channel,
            message_ts=click.message_ts,
            at=self._clock(),
        )
        try:
            result = self._record_click(record)
            if inspect.isawaitable(result):
                await result
        except Exception:
            # The decision itself is in workflow history and the CRM; losing the click row must
            # not hide the outcome from the approver.
            log.exception(
                "could not record approval click", extra={"request_id": record.request_id}
            )
