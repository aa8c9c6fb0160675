"""Chat activities: approval messages in Slack, or the outbox path when Slack is not configured.

Sync activities (Temporal runs them on the activity thread pool): slack_sdk's WebClient is
blocking, and approvals are a few calls per case. Every Slack call goes through `slack_errors`,
so retries are Temporal's, honouring Slack's Retry-After.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from temporalio import activity

from activities.models import (
    ApprovalMessageRef,
    ApprovalMessageUpdate,
    ApprovalNotice,
    ApprovalReminder,
    ChatPostResult,
)
from activities.slack_errors import slack_errors
from integrations.card_numbers import redact_card_numbers, redact_fields
from integrations.slack_approval_request import fallback_text, request_blocks
from integrations.slack_approval_updates import (
    ApprovalStatusLine,
    apply_outcome,
    approver_mentions,
    escalation_blocks,
    outcome_fallback,
    reminder_text,
)
from integrations.slack_approvals import (
    ESCALATION_EVENT,
    REMINDER_EVENT,
    REQUEST_EVENT,
    SlackApprovals,
)
from integrations.slack_blocks import ApprovalLinks, mention
from integrations.slack_directory import ApproverDirectory

# Slack and Temporal clocks differ; the idempotency lookback starts this much earlier.
CLOCK_SKEW_MARGIN = timedelta(minutes=5)


class ChatActivities:
    """Asks approvers and shows them what became of the request.

    `slack=None` (no SLACK_BOT_TOKEN), or a policy level without a channel, is the outbox
    path: nothing is posted, the result says `delivered_via="outbox"` with no message ref, and
    approvers decide through the API or CLI.
    """

    def __init__(
        self,
        slack: SlackApprovals | None,
        *,
        api_url: str,
        temporal_ui_url: str,
        directory: ApproverDirectory | None = None,
    ) -> None:
        self._slack = slack
        self._api_url = api_url
        self._ui_url = temporal_ui_url
        self._directory = directory

    @activity.defn(name="post_approval_request")
    def post_approval_request(self, notice: ApprovalNotice) -> ChatPostResult:
        """Posts the request once per request id, however often this activity is retried."""
        notice = _without_card_numbers(notice)
        if self._slack is None or notice.channel is None:
            return self._outbox("approval request", notice)
        with slack_errors("post approval request", notice.channel):
            ref, found = self._slack.post_once(
                notice.channel,
                text=fallback_text(notice),
                blocks=request_blocks(notice, self._links(notice)),
                event_type=REQUEST_EVENT,
                request_id=notice.request_id,
                ticket_id=notice.ticket_id,
                oldest=_lookback_start(),
            )
        activity.logger.info(
            "Approval request %s %s in %s at %s",
            notice.request_id,
            "found already posted" if found else "posted",
            ref.channel,
            ref.ts,
        )
        return ChatPostResult(
            ref=ref, delivered_via="slack", group_approvers=self._group_approvers(notice)
        )

    def _group_approvers(self, notice: ApprovalNotice) -> list[str]:
        """The people behind the level's user group, as canonical person ids.

        One person, one identity: a member decides as the person their Slack account is listed
        or linked as, so two accounts of one person count once and a requester cannot approve
        through a group. Members linked to no person are left out: they cannot decide.
        """
        if self._slack is None or self._directory is None or not notice.approver_user_group:
            return []
        with slack_errors("list approver group", notice.approver_user_group):
            members = self._slack.user_group_members(notice.approver_user_group)
        return self._directory.group_persons(members, notice.level)

    @activity.defn(name="update_approval_message")
    def update_approval_message(self, update: ApprovalMessageUpdate) -> None:
        """Re-renders the whole message, so repeating an update changes nothing."""
        if self._slack is None:
            activity.logger.info(
                "Slack not configured; approval %s is now %s",
                update.notice.request_id,
                update.status,
            )
            return
        notice = _without_card_numbers(update.notice)
        outcome = ApprovalStatusLine(
            status=update.status,
            at=update.at,
            actor=mention(self._actor_slack_id(update), update.actor),
            reason=redact_card_numbers(update.reason).text if update.reason else update.reason,
            approvals_received=update.approvals_received,
            required_approvals=notice.required_approvals,
            escalated_to=update.escalated_to,
            action=notice.action,
        )
        blocks = apply_outcome(request_blocks(notice, self._links(notice)), outcome)
        with slack_errors("update approval message", update.ref.channel):
            self._slack.update(
                update.ref,
                text=outcome_fallback(outcome, fallback_text(notice)),
                blocks=blocks,
            )

    @activity.defn(name="post_approval_reminder")
    def post_approval_reminder(self, reminder: ApprovalReminder) -> ChatPostResult:
        """A reminder in the request's thread, then (if the policy escalates) a copy of the
        request with its own buttons in the next level's channel.

        The result's ref is the escalation copy when one was posted (update it along with the
        original), else the thread reminder.
        """
        notice = _without_card_numbers(reminder.notice)
        if self._slack is None:
            return self._outbox("approval reminder", notice)
        ref: ApprovalMessageRef | None = None
        if reminder.ref is not None:
            with slack_errors("post approval reminder", reminder.ref.channel):
                ref, _ = self._slack.post_once(
                    reminder.ref.channel,
                    text=reminder_text(
                        notice,
                        approver_mentions(notice.approver_slack_ids, notice.approver_user_group),
                    ),
                    blocks=None,
                    event_type=REMINDER_EVENT,
                    request_id=notice.request_id,
                    ticket_id=notice.ticket_id,
                    oldest=_lookback_start(),
                    thread_ts=reminder.ref.ts,
                )
        if reminder.escalate_to_channel is not None:
            mentions = approver_mentions(reminder.escalate_to_slack_ids, None)
            with slack_errors("post approval escalation", reminder.escalate_to_channel):
                ref, _ = self._slack.post_once(
                    reminder.escalate_to_channel,
                    text=f"Escalated: {fallback_text(notice)}",
                    blocks=escalation_blocks(notice, self._links(notice), mentions),
                    event_type=ESCALATION_EVENT,
                    request_id=notice.request_id,
                    ticket_id=notice.ticket_id,
                    oldest=_lookback_start(),
                )
        if ref is None:
            return self._outbox("approval reminder", notice)
        return ChatPostResult(ref=ref, delivered_via="slack")

    def _links(self, notice: ApprovalNotice) -> ApprovalLinks:
        return ApprovalLinks.build(
            self._api_url,
            self._ui_url,
            activity.info().namespace,
            notice.ticket_id,
            notice.workflow_id,
        )

    def _actor_slack_id(self, update: ApprovalMessageUpdate) -> str | None:
        if update.actor_slack_id or update.actor is None or self._directory is None:
            return update.actor_slack_id
        return self._directory.slack_id_for(update.actor)

    def _outbox(self, what: str, notice: ApprovalNotice) -> ChatPostResult:
        activity.logger.info(
            "Slack %s; %s %s for ticket %s goes through the API/CLI "
            "(POST /tickets/%s/approvals or `supportflow approve`)",
            "not configured" if self._slack is None else f"has no channel for {notice.level}",
            what,
            notice.request_id,
            notice.ticket_id,
            notice.ticket_id,
        )
        return ChatPostResult(ref=None, delivered_via="outbox")


def _without_card_numbers(notice: ApprovalNotice) -> ApprovalNotice:
    """Intake already redacts the ticket; this is the last stop before Slack, so text from any
    other source (a case started directly, a CRM name, a policy reason) is redacted here too."""
    return redact_fields(notice, ("subject", "customer_name", "reason", "recommended_action"))


def _lookback_start() -> datetime:
    """Every attempt of this activity started after it was first scheduled, so a message an
    earlier attempt posted is no older than that. Capped at the wall clock: on Temporal's
    time-skipping test server the scheduled time runs ahead of Slack's."""
    return min(activity.info().scheduled_time, datetime.now(UTC)) - CLOCK_SKEW_MARGIN
