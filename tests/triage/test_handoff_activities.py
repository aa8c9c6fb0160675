"""Hand-off and customer-message activities against a real SQLite CRM and the loopback Slack."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.handoff import HANDOFF_EVENT, HandoffActivities
from activities.models import CustomerReply
from activities.ticket_models import CustomerMessageInput, HandoffInput, HandoffPackage
from integrations.crm_store import CrmStore
from integrations.knowledge.models import Citation
from integrations.slack_approvals import SlackApprovals
from integrations.triage_rules import triage_by_rules
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack, fake_slack
from tests.triage.ticket_harness import DANA, seeded_store

__all__ = ["fake_slack"]
CHANNEL = "C0SUPPORTLEADS"


@pytest.fixture
def store(tmp_path: Path) -> CrmStore:
    store = seeded_store(tmp_path)
    store.upsert_ticket(ticket_id="T-1", customer_id=DANA.id, process="ticket", body="help")
    return store


def package() -> HandoffPackage:
    triage = triage_by_rules("Lawyer", "My lawyer will contact you about order ord_5001.")
    return HandoffPackage(
        handoff_id="h-1",
        ticket_id="T-1",
        workflow_id="ticket-T-1",
        reason="the customer mentions legal action",
        summary=triage.summary,
        urgency=triage.urgency,
        triage=triage,
        customer_id=DANA.id,
        sources=[Citation(title="Escalation <playbook>", url="https://wiki.example/esc")],
        tried=["Triaged by rules: legal (0.74)"],
        recommended_next_step="Forward to legal@ before replying.",
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
    )


def test_without_slack_the_package_is_a_crm_note(store: CrmStore) -> None:
    activities = HandoffActivities(store)
    env = ActivityEnvironment()
    delivery = env.run(activities.hand_off_ticket, HandoffInput(package=package()))
    env.run(activities.hand_off_ticket, HandoffInput(package=package()))  # a retry
    assert delivery.delivered_via == "outbox"
    ticket = store.get_ticket("T-1")
    assert ticket is not None
    [note] = ticket.notes
    assert "**Recommended next step:** Forward to legal@" in note.body
    assert "legal (0." in note.body and "Triaged by rules" in note.body


def test_with_slack_the_package_is_posted_once(store: CrmStore, fake_slack: FakeSlack) -> None:
    slack = SlackApprovals.connect(BOT_TOKEN, fake_slack.base_url, timeout=5)
    activities = HandoffActivities(store, slack)
    env = ActivityEnvironment()
    data = HandoffInput(package=package(), slack_channel=CHANNEL)
    first = env.run(activities.hand_off_ticket, data)
    again = env.run(activities.hand_off_ticket, data)  # a retry finds its own post
    assert (first.delivered_via, first.channel) == ("slack", CHANNEL)
    assert again.message_ts == first.message_ts
    [message] = fake_slack.messages(CHANNEL)
    assert message.metadata is not None and message.metadata["event_type"] == HANDOFF_EVENT
    assert message.text == "Ticket T-1 needs a person: the customer mentions legal action"
    rendered = str(message.blocks)
    assert "Escalation &lt;playbook&gt;" in rendered and "Forward to legal@" in rendered


def test_slack_config_errors_are_not_retried(store: CrmStore, fake_slack: FakeSlack) -> None:
    slack = SlackApprovals.connect(BOT_TOKEN, fake_slack.base_url, timeout=5)
    activities = HandoffActivities(store, slack)
    with pytest.raises(ApplicationError) as caught:
        ActivityEnvironment().run(
            activities.hand_off_ticket, HandoffInput(package=package(), slack_channel="nope")
        )
    assert caught.value.non_retryable


def test_customer_message_is_queued_once(store: CrmStore) -> None:
    activities = HandoffActivities(store)
    env = ActivityEnvironment()
    data = CustomerMessageInput(
        ticket_id="T-1",
        workflow_id="ticket-T-1",
        dedupe_key="ticket-T-1:clarify:0",
        reply=CustomerReply(subject="A question", body="Which order?"),
    )
    assert env.run(activities.queue_customer_message, data) is True
    assert env.run(activities.queue_customer_message, data) is False
    ticket = store.get_ticket("T-1")
    assert ticket is not None
    [message] = ticket.outbox
    assert (message.recipient, message.body) == (DANA.email, "Which order?")
