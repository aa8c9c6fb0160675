"""The Slack wiring the API installs routes hand-off buttons and modals to the hand-off handler
and everything else to approvals, over the same Request URL."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from integrations.slack_blocks import APPROVE_ACTION, ApprovalAction
from integrations.slack_handoff_card import CLAIM, EDIT_MODAL, HandoffButton
from policies.loader import load_refund_policy
from tests.slack.fake_slack import BOT_TOKEN
from tests.slack.slack_requests import block_actions, view_submission
from worker.settings import Settings
from worker.slack_clicks import ApprovalClickHandler
from worker.slack_handoff_clicks import HandoffClickHandler
from worker.slack_interactions import SlackInteractions, click_handler_from_settings


@pytest.fixture
def interactions(monkeypatch: pytest.MonkeyPatch) -> SlackInteractions:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    handler = click_handler_from_settings(
        Settings(_env_file=None),  # type: ignore[call-arg]
        load_refund_policy().policy,
        temporal_client=object(),  # type: ignore[arg-type]
        store=object(),  # type: ignore[arg-type]
        submit_decision=lambda *args: None,  # type: ignore[arg-type, return-value]
        record_click=lambda record: None,
    )
    assert isinstance(handler, SlackInteractions)
    return handler


def owner(follow_up: Any) -> object:
    assert isinstance(follow_up, partial)
    return follow_up.func.__self__


def click(action_id: str, value: str) -> dict[str, Any]:
    return block_actions(
        user="U0ALICE",
        action_id=action_id,
        value=value,
        channel="C0X1",
        message_ts="1.1",
        blocks=[],
    )


def test_hand_off_clicks_and_approval_clicks_reach_their_handlers(
    interactions: SlackInteractions,
) -> None:
    handoff = HandoffButton(ticket_id="T-1", handoff_id="h1").model_dump_json()
    assert isinstance(
        owner(interactions.acknowledge(click(CLAIM, handoff)).follow_up), HandoffClickHandler
    )
    approval = ApprovalAction(
        ticket_id="T-1", request_id="r1", amount_cents=100, currency="usd", level="single"
    ).encode()
    ack = interactions.acknowledge(click(APPROVE_ACTION, approval))
    assert isinstance(owner(ack.follow_up), ApprovalClickHandler)
    context = '{"ticket_id": "T-1", "handoff_id": "h1", "channel": "C0X1", "message_ts": "1.1"}'
    submitted = view_submission(
        user="U0ALICE", callback_id=EDIT_MODAL, private_metadata=context, values={}
    )
    assert isinstance(owner(interactions.acknowledge(submitted).follow_up), HandoffClickHandler)
