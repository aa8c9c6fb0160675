"""Fixtures for the Slack approval tests: the loopback fake and a client pointed at it."""

from __future__ import annotations

import pytest

from integrations.slack_approvals import SlackApprovals
from policies.loader import load_refund_policy
from policies.refund_policy import RefundPolicy
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack, fake_slack

__all__ = ["fake_slack"]


@pytest.fixture
def policy() -> RefundPolicy:
    return load_refund_policy().policy


@pytest.fixture
def slack(fake_slack: FakeSlack) -> SlackApprovals:
    return SlackApprovals.connect(BOT_TOKEN, fake_slack.base_url, timeout=5)
