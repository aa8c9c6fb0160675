"""Chat activities against the loopback Slack through the real slack_sdk client."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.chat import ChatActivities
from activities.models import ApprovalMessageRef, ApprovalMessageUpdate, ApprovalReminder
from activities.slack_errors import UNAVAILABLE
from integrations.slack_approvals import (
    ESCALATION_EVENT,
    REMINDER_EVENT,
    REQUEST_EVENT,
    SlackApprovals,
)
from integrations.slack_blocks import ACTIONS_BLOCK, STATUS_BLOCK
from integrations.slack_directory import ApproverDirectory
from policies.refund_policy import RefundPolicy
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack
from tests.slack.notices import dual_notice, make_notice


def _env(attempt: int = 1, namespace: str = "support-prod") -> ActivityEnvironment:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(
        env.info,
        attempt=attempt,
        namespace=namespace,
        scheduled_time=datetime.now(UTC) - timedelta(seconds=30),
    )
    return env


def _chat(slack: SlackApprovals | None, policy: RefundPolicy) -> ChatActivities:
    return ChatActivities(
        slack,
        api_url="http://127.0.0.1:8000",
        temporal_ui_url="http://localhost:8233",
        directory=ApproverDirectory(policy),
    )


def test_posts_the_request_to_the_policy_channel_with_a_tag(
    fake_slack: FakeSlack, slack: SlackApprovals, policy: RefundPolicy
) -> None:
    result = _env().run(_chat(slack, policy).post_approval_request, make_notice())

    assert result.delivered_via == "slack"
    assert result.ref is not None and result.ref.channel == "C0REFUNDS"
    [message] = fake_slack.messages("C0REFUNDS")
    assert message.ts == result.ref.ts
    assert message.metadata == {
        "event_type": REQUEST_EVENT,
        "event_payload": {"request_id": "req-5b1c", "ticket_id": "T-1001"},
    }
    assert "Refund approval needed: 129.50 USD" in message.text
    assert any(b.get("block_id") == ACTIONS_BLOCK for b in message.blocks)
    # The Temporal UI link uses the namespace the activity runs in.
    assert "/namespaces/support-prod/workflows/ticket-T-1001" in str(message.blocks)


def test_a_retry_after_a_lost_response_finds_the_first_message(
    fake_slack: FakeSlack, slack: SlackApprovals, policy: RefundPolicy
) -> None:
    chat = _chat(slack, policy)
    # Slack posts the message, but the answer never makes it back (a 503 on the way out).
    fake_slack.fail_next("chat.postMessage", "service_unavailable", status=503, apply_first=True)
    with pytest.raises(ApplicationError) as first:
        _env(attempt=1).run(chat.post_approval_request, make_notice())
    assert first.value.type == UNAVAILABLE and not first.value.non_retryable

    second = _env(attempt=2).run(chat.post_approval_request, make_notice())

    [message] = fake_slack.messages("C0REFUNDS")
    assert second.ref == ApprovalMessageRef(channel="C0REFUNDS", ts=message.ts)
    assert len(fake_slack.calls("chat.postMessage")) == 1
    assert len(fake_slack.calls("conversations.history")) == 2


def test_another_request_on_the_same_ticket_gets_its_own_message(
    fake_slack: FakeSlack, slack: SlackApprovals, policy: RefundPolicy
) -> None:
    chat = _chat(slack, policy)
    _env().run(chat.post_approval_request, make_notice())
    _env().run(chat.post_approval_request, make_notice(request_id="req-new", amount_cents=9_000))
    assert len(fake_slack.messages("C0REFUNDS")) == 2


def test_lookup_pages_through_a_busy_channel(fake_slack: FakeSlack, policy: RefundPolicy) -> None:
    slack = SlackApprovals.connect(BOT_TOKEN, fake_slack.base_url)
    slack._page_size = 3  # a small page so the tagged message sits on a later page
    chat = _chat(slack, policy)
    _env().run(chat.post_approval_request, make_notice())
    for i in range(7):
        fake_slack.seed_message("C0REFUNDS", f"chatter {i}")
    _env(attempt=2).run(chat.post_approval_request, make_notice())
    assert len(fake_slack.calls("chat.postMessage")) == 1
    assert len(fake_slack.calls("conversations.history")) > 2


def test_without_slack_the_request_goes_to_the_outbox(policy: RefundPolicy) -> None:
    result = _env().run(_chat(None, policy).post_approval_request, make_notice())
    assert result.ref is None and result.delivered_via == "outbox"


def test_a_level_without_a_channel_goes_to_the_outbox(
    fake_slack: FakeSlack, slack: SlackApprovals, policy: RefundPolicy
) -> None:
    result = _env().run(_chat(slack, policy).post_approval_request, make_notice(channel=None))
    assert result.delivered_via == "outbox"
    assert fake_slack.calls("chat.postMessage") == []


def test_update_shows_the_approver_as_a_slack_mention(
    fake_slack: FakeSlack, slack: SlackApprovals, policy: RefundPolicy
) -> None:
    chat = _chat(slack, policy)
    notice = make_notice()
    posted = _env().run(chat.post_approval_request, notice)
    assert posted.ref is not None
    update = ApprovalMessageUpdate(
        ref=posted.ref,
        notice=notice,
        status="approved",
        actor="alice",
        at=datetime(2026, 11, 2, 9, 15, tzinfo=UTC),
        approvals_received=1,
    )
    _env().run(chat.update_approval_message, update)
    _env().run(chat.update_approval_message, update)  # a retried update changes nothing

    message = fake_slack.message("C0REFUNDS", posted.ref.ts)
    status = next(b for b in message.blocks if b.get("block_id") == STATUS_BLOCK)
    assert "*Approved* by <@U0ALICE>" in status["text"]["text"]
    assert not any(b.get("block_id") == ACTIONS_BLOCK for b in message.blocks)
    assert message.text.startswith("Approved: ")
    assert message.edited == 2


def test_partial_dual_approval_keeps_buttons(
    fake_slack: FakeSlack, slack: SlackApprovals, policy: RefundPolicy
) -> None:
    chat = _chat(slack, policy)
    notice = dual_notice()
    posted = _env().run(chat.post_approval_request, notice)
    assert posted.ref is not None and posted.ref.channel == "C0FINANCE"
    _env().run(
        chat.update_approval_message,
        ApprovalMessageUpdate(
            ref=posted.ref,
            notice=notice,
            status="partially_approved",
            actor="carol",
            at=datetime.now(UTC),
            approvals_received=1,
        ),
    )
    message = fake_slack.message("C0FINANCE", posted.ref.ts)
    assert "*1 of 2 approvals*" in str(message.blocks)
    assert any(b.get("block_id") == ACTIONS_BLOCK for b in message.blocks)


def test_expiry_says_where_the_case_went(
    fake_slack: FakeSlack, slack: SlackApprovals, policy: RefundPolicy
) -> None:
    chat = _chat(slack, policy)
    notice = make_notice()
    posted = _env().run(chat.post_approval_request, notice)
    assert posted.ref is not None
    _env().run(
        chat.update_approval_message,
        ApprovalMessageUpdate(
            ref=posted.ref,
            notice=notice,
            status="expired",
            at=datetime.now(UTC),
            escalated_to="C0SUPPORTLEADS",
        ),
    )
    message = fake_slack.message("C0REFUNDS", posted.ref.ts)
    assert "escalated to <#C0SUPPORTLEADS>" in str(message.blocks)
    assert not any(b.get("block_id") == ACTIONS_BLOCK for b in message.blocks)


def test_reminder_in_thread_and_escalation_copy_are_posted_once(
    fake_slack: FakeSlack, slack: SlackApprovals, policy: RefundPolicy
) -> None:
    chat = _chat(slack, policy)
    notice = make_notice()
    posted = _env().run(chat.post_approval_request, notice)
    reminder = ApprovalReminder(
        notice=notice,
        ref=posted.ref,
        escalate_to_channel="C0SUPPORTLEADS",
        escalate_to_slack_ids=["U0ERIN"],
    )
    first = _env().run(chat.post_approval_reminder, reminder)
    again = _env(attempt=2).run(chat.post_approval_reminder, reminder)

    assert first == again
    assert first.ref is not None and first.ref.channel == "C0SUPPORTLEADS"
    assert posted.ref is not None
    [_, thread_reply] = fake_slack.messages("C0REFUNDS")
    assert thread_reply.thread_ts == posted.ref.ts
    assert thread_reply.metadata is not None
    assert thread_reply.metadata["event_type"] == REMINDER_EVENT
    assert "<@U0ALICE> <@U0BOB> <@U0CAROL>" in thread_reply.text
    [escalation] = fake_slack.messages("C0SUPPORTLEADS")
    assert escalation.metadata is not None
    assert escalation.metadata["event_type"] == ESCALATION_EVENT
    assert "<@U0ERIN>" in str(escalation.blocks)
    assert any(b.get("block_id") == ACTIONS_BLOCK for b in escalation.blocks)
    assert len(fake_slack.calls("chat.postMessage")) == 3
