"""Slack failures, produced over real HTTP, leave activities as the right ApplicationError."""

from __future__ import annotations

import dataclasses
import socket
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.chat import ChatActivities
from activities.models import ApprovalMessageRef, ApprovalMessageUpdate
from activities.retry_after import retry_after
from activities.slack_errors import (
    CONFIG_ERROR,
    MAX_RETRY_AFTER,
    RATE_LIMITED,
    REJECTED,
    UNAVAILABLE,
)
from integrations.slack_approvals import SlackApprovals
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack
from tests.slack.notices import make_notice


def _post(slack: SlackApprovals) -> ApplicationError:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, scheduled_time=datetime.now(UTC))
    chat = ChatActivities(slack, api_url="http://api", temporal_ui_url="http://ui")
    with pytest.raises(ApplicationError) as raised:
        env.run(chat.post_approval_request, make_notice())
    return raised.value


def test_rate_limit_is_retried_after_the_delay_slack_asked_for(
    fake_slack: FakeSlack, slack: SlackApprovals
) -> None:
    fake_slack.rate_limit_next("chat.postMessage", retry_after=7)
    error = _post(slack)
    assert error.type == RATE_LIMITED
    assert not error.non_retryable
    assert error.next_retry_delay == timedelta(seconds=7)
    [call] = fake_slack.calls("chat.postMessage")
    assert call.status == 429  # one attempt: the SDK's own retry handlers are off


def test_rate_limit_on_the_lookup_is_mapped_too(
    fake_slack: FakeSlack, slack: SlackApprovals
) -> None:
    fake_slack.rate_limit_next("conversations.history", retry_after=30)
    error = _post(slack)
    assert error.type == RATE_LIMITED and error.next_retry_delay == timedelta(seconds=30)
    assert fake_slack.calls("chat.postMessage") == []


def test_a_bad_token_is_a_configuration_error(fake_slack: FakeSlack) -> None:
    error = _post(SlackApprovals.connect("xoxb-revoked", fake_slack.base_url))
    assert error.type == CONFIG_ERROR
    assert error.non_retryable
    assert "invalid_auth" in error.message and "SLACK_BOT_TOKEN" in error.message
    assert "xoxb-revoked" not in error.message


@pytest.mark.parametrize(
    ("slack_error", "hint"),
    [
        ("invalid_auth", "SLACK_BOT_TOKEN"),
        ("account_inactive", "deactivated"),
        ("channel_not_found", "slack_channel"),
        ("not_in_channel", "/invite"),
    ],
)
def test_configuration_errors_are_not_retried(
    fake_slack: FakeSlack, slack: SlackApprovals, slack_error: str, hint: str
) -> None:
    fake_slack.fail_next("chat.postMessage", slack_error)
    error = _post(slack)
    assert (error.type, error.non_retryable) == (CONFIG_ERROR, True)
    assert slack_error in error.message and hint in error.message
    assert "C0REFUNDS" in error.message


def test_not_in_channel_when_the_bot_was_never_invited() -> None:
    with FakeSlack(members_only={"C0REFUNDS": {"U0SOMEONE"}}) as fake:
        error = _post(SlackApprovals.connect(BOT_TOKEN, fake.base_url))
    assert error.type == CONFIG_ERROR and "not_in_channel" in error.message


def test_an_html_5xx_is_retryable(fake_slack: FakeSlack, slack: SlackApprovals) -> None:
    fake_slack.fail_next(
        "conversations.history", "", status=502, raw_body="<html>Bad Gateway</html>"
    )
    error = _post(slack)
    assert (error.type, error.non_retryable) == (UNAVAILABLE, False)
    assert error.next_retry_delay is None


def test_slack_unreachable_is_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port now: connection refused.
    error = _post(SlackApprovals.connect(BOT_TOKEN, f"http://127.0.0.1:{port}/api/"))
    assert (error.type, error.non_retryable) == (UNAVAILABLE, False)


def test_updating_a_deleted_message_is_refused_for_good(
    fake_slack: FakeSlack, slack: SlackApprovals
) -> None:
    chat = ChatActivities(slack, api_url="http://api", temporal_ui_url="http://ui")
    update = ApprovalMessageUpdate(
        ref=ApprovalMessageRef(channel="C0REFUNDS", ts="1700000000.000001"),
        notice=make_notice(),
        status="approved",
        actor="alice",
        at=datetime.now(UTC),
    )
    with pytest.raises(ApplicationError) as raised:
        ActivityEnvironment().run(chat.update_approval_message, update)
    assert (raised.value.type, raised.value.non_retryable) == (REJECTED, True)
    assert "message_not_found" in raised.value.message


def slack_retry_after(headers: dict[str, str]) -> timedelta | None:
    """As the Slack mapper reads it: whole seconds (Slack sends no dates), capped."""
    return retry_after(headers, cap=MAX_RETRY_AFTER, http_date=False)


def test_retry_after_parsing() -> None:
    assert slack_retry_after({"retry-after": "12"}) == timedelta(seconds=12)
    assert slack_retry_after({"Retry-After": "0"}) is None
    assert slack_retry_after({"Retry-After": "soon"}) is None
    assert slack_retry_after({}) is None
    assert slack_retry_after({"Retry-After": "86400"}) == MAX_RETRY_AFTER
    assert slack_retry_after({"Retry-After": "Sun, 01 Nov 2026 12:00:30 GMT"}) is None
