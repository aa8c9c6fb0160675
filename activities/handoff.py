"""Hand-off and customer-message activities for triaged tickets.

`hand_off_ticket` stores the hand-off package on the ticket (a CRM note an agent reads in the
helpdesk) and posts it to the escalation channel in Slack when Slack is configured; without
Slack the note is the outbox record and the log line says where it is. `queue_customer_message`
queues a message that does not close the case (a clarifying question, a reminder) in the CRM
outbox; the final reply goes with `record_case_outcome`, like every other process.

Both are idempotent per key minted by the workflow: a retried attempt finds its own note,
message or Slack post (tagged with the hand-off id) instead of writing a second one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from temporalio import activity

from activities.crm_errors import crm_errors
from activities.slack_errors import slack_errors
from activities.ticket_models import (
    CustomerMessageInput,
    HandoffDelivery,
    HandoffInput,
    HandoffPackage,
)
from integrations.card_numbers import redact_card_numbers, redact_fields
from integrations.crm_store import CrmStore
from integrations.handoff_text import handoff_blocks, handoff_markdown, handoff_text
from integrations.slack_approvals import SlackApprovals

HANDOFF_EVENT = "supportflow_ticket_handoff"
# How far back a retry looks in the channel for its own post (Slack clocks differ from ours).
SLACK_LOOKBACK = timedelta(days=2)


class HandoffActivities:
    def __init__(self, store: CrmStore, slack: SlackApprovals | None = None) -> None:
        self._store = store
        self._slack = slack

    @activity.defn(name="hand_off_ticket")
    def hand_off_ticket(self, data: HandoffInput) -> HandoffDelivery:
        package = _without_card_numbers(data.package)
        with crm_errors("hand_off_ticket"):
            # The package note and its `case.escalated` event (helpdesk internal note, callback).
            self._store.add_handoff_note(
                package.ticket_id, package.handoff_id, handoff_markdown(package)
            )
        if self._slack is None or not data.slack_channel:
            activity.logger.warning(
                "Ticket %s handed off (no Slack): %s. Package stored as a CRM note.",
                package.ticket_id,
                package.reason,
            )
            return HandoffDelivery(delivered_via="outbox")
        with slack_errors("post ticket hand-off", data.slack_channel):
            ref, found = self._slack.post_once(
                data.slack_channel,
                text=handoff_text(package),
                blocks=handoff_blocks(package),
                event_type=HANDOFF_EVENT,
                request_id=package.handoff_id,
                ticket_id=package.ticket_id,
                oldest=datetime.now(UTC) - SLACK_LOOKBACK,
            )
        activity.logger.info(
            "Ticket %s hand-off %s in %s",
            package.ticket_id,
            "found" if found else "posted",
            ref.channel,
        )
        return HandoffDelivery(delivered_via="slack", channel=ref.channel, message_ts=ref.ts)

    @activity.defn(name="queue_customer_message")
    def queue_customer_message(self, data: CustomerMessageInput) -> bool:
        """Queues the message once; returns False when a retry found it already queued."""
        with crm_errors("queue_customer_message"):
            return self._store.queue_customer_message(data.ticket_id, data.reply, data.dedupe_key)


def _without_card_numbers(package: HandoffPackage) -> HandoffPackage:
    """The package's free text (built from the ticket, triage and drafts) goes to the CRM note
    and Slack; intake already redacted the ticket, this catches text from any other source."""
    package = redact_fields(package, ("reason", "summary", "draft_reply", "recommended_next_step"))
    tried = [redact_card_numbers(step).text for step in package.tried]
    if tried == package.tried:
        return package
    return package.model_copy(update={"tried": tried})
