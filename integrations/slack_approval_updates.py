"""Updates to an approval request in Slack: a decision or expiry, reminders and escalations.

The chat activity applies an outcome it learned from the workflow; the interactivity endpoint
re-renders from the message Slack sends back with a click. Both go through `apply_outcome`, so
whichever update lands last, the message shows the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from integrations.approval_messages import ApprovalNotice
from integrations.slack_approval_request import request_blocks
from integrations.slack_blocks import (
    ACTIONS_BLOCK,
    STATUS_BLOCK,
    ApprovalLinks,
    Block,
    escape,
    format_money,
    mrkdwn,
    slack_date,
)

OutcomeStatus = Literal["partially_approved", "approved", "rejected", "expired", "superseded"]


@dataclass(frozen=True)
class ApprovalStatusLine:
    """A decision (or expiry) as the message should show it. `actor` is mrkdwn, see `mention`."""

    status: OutcomeStatus
    at: datetime
    actor: str | None = None
    reason: str | None = None
    approvals_received: int = 0
    required_approvals: int = 1
    escalated_to: str | None = None
    # What was to be approved, in words, for "no refund will be made" and its kin.
    action: str = "refund"


def outcome_text(outcome: ApprovalStatusLine) -> str:
    when = slack_date(outcome.at)
    actor = outcome.actor or "someone"
    if outcome.status == "approved":
        tally = (
            f" ({outcome.approvals_received} of {outcome.required_approvals} approvals)"
            if outcome.required_approvals > 1
            else ""
        )
        return f":white_check_mark: *Approved* by {actor} at {when}{tally}"
    if outcome.status == "rejected":
        reason = escape(outcome.reason or "no reason given")
        return f":x: *Rejected* by {actor} at {when} — {reason}"
    if outcome.status == "superseded":
        # The approvals were given, but what they approved no longer holds (the charge changed
        # meanwhile): the approver must not read "Approved" when no money will move.
        why = escape(outcome.reason or "the case changed since the request was posted")
        return (
            f":warning: *Approved* by {actor} at {when}, *but no {escape(outcome.action)} "
            f"will be made*: {why}. "
            "The case was escalated to a person."
        )
    if outcome.status == "partially_approved":
        return (
            f":hourglass_flowing_sand: *{outcome.approvals_received} of "
            f"{outcome.required_approvals} approvals* — approved by {actor} at {when}. "
            "A different approver must approve too."
        )
    target = f"escalated to <#{outcome.escalated_to}>" if outcome.escalated_to else "no decision"
    return f":alarm_clock: *Expired* at {when} — {target}. No {escape(outcome.action)} was made."


def apply_outcome(blocks: list[Block], outcome: ApprovalStatusLine) -> list[Block]:
    """Replaces the buttons with the outcome; a partial approval keeps them for the next approver.

    Works on any rendering of the request (ours, or Slack's echo of it), replacing an earlier
    outcome rather than stacking a second one.
    """
    actions = [b for b in blocks if b.get("block_id") == ACTIONS_BLOCK]
    body = [b for b in blocks if b.get("block_id") not in (ACTIONS_BLOCK, STATUS_BLOCK)]
    status: Block = {
        "type": "section",
        "block_id": STATUS_BLOCK,
        "text": mrkdwn(outcome_text(outcome)),
    }
    keep_buttons = outcome.status == "partially_approved"
    return [*body, status, *(actions if keep_buttons else [])]


def outcome_fallback(outcome: ApprovalStatusLine, notice_text: str) -> str:
    labels = {
        "approved": "Approved",
        "rejected": "Rejected",
        "partially_approved": f"{outcome.approvals_received} of {outcome.required_approvals} "
        "approvals",
        "expired": "Expired",
        "superseded": f"Approved, but no {outcome.action} will be made",
    }
    return f"{labels[outcome.status]}: {notice_text}"


def approver_mentions(slack_ids: list[str], user_group: str | None) -> str:
    parts = [f"<@{uid}>" for uid in slack_ids]
    if user_group:
        parts.append(f"<!subteam^{user_group}>")
    return " ".join(parts)


def reminder_text(notice: ApprovalNotice, mentions: str) -> str:
    return (
        f":bell: Reminder: this {escape(notice.action)} of "
        f"{format_money(notice.amount_cents, notice.currency)} "
        f"still needs a decision; it expires {slack_date(notice.expires_at)}. {mentions}"
    ).rstrip()


def escalation_blocks(notice: ApprovalNotice, links: ApprovalLinks, mentions: str) -> list[Block]:
    """The request, re-posted for the next level with its own buttons: they decide from here."""
    intro: Block = {
        "type": "section",
        "text": mrkdwn(
            f":rotating_light: *Escalated*: no decision yet on this {escape(notice.level)} "
            f"approval. {mentions}".rstrip()
        ),
    }
    return [intro, *request_blocks(notice, links)]
