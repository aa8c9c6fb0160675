"""Activities of a hand-off a person works: its record in the CRM, and notices to the channel
(SLA reminders and breaches).

`record_handoff` writes the hand-off's whole current state with the ticket's status and the
audit notes in one transaction, so a retry writes the same row and no second audit entry.
`post_handoff_notice` posts once per `dedupe_key` (a retry finds its own Slack message by its
tag); without Slack the notice is a CRM note on the ticket, also once per key.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from temporalio import activity

from activities.crm_errors import crm_errors
from activities.slack_errors import slack_errors
from activities.ticket_models import HandoffDelivery
from integrations.crm_store import CrmStore
from integrations.handoff_records import HandoffRecord
from integrations.slack_approvals import SlackApprovals

NOTICE_EVENT = "supportflow_handoff_notice"
SLACK_LOOKBACK = timedelta(days=2)


class HandoffNotice(BaseModel):
    ticket_id: str
    handoff_id: str
    channel: str | None
    text: str
    dedupe_key: str


class HandoffReviewActivities:
    def __init__(self, store: CrmStore, slack: SlackApprovals | None = None) -> None:
        self._store = store
        self._slack = slack

    @activity.defn(name="record_handoff")
    def record_handoff(self, record: HandoffRecord) -> None:
        with crm_errors("record_handoff"):
            self._store.record_handoff(record)

    @activity.defn(name="post_handoff_notice")
    def post_handoff_notice(self, notice: HandoffNotice) -> HandoffDelivery:
        if self._slack is None or not notice.channel:
            with crm_errors("post_handoff_notice"):
                self._store.add_note(
                    notice.ticket_id, "supportflow", notice.text, dedupe_key=notice.dedupe_key
                )
            return HandoffDelivery(delivered_via="outbox")
        with slack_errors("post hand-off notice", notice.channel):
            ref, _ = self._slack.post_once(
                notice.channel,
                text=notice.text,
                blocks=None,
                event_type=NOTICE_EVENT,
                request_id=notice.dedupe_key,
                ticket_id=notice.ticket_id,
                oldest=datetime.now(UTC) - SLACK_LOOKBACK,
            )
        return HandoffDelivery(delivered_via="slack", channel=ref.channel, message_ts=ref.ts)
