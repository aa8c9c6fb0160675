"""Socket Mode: the real slack_sdk aiohttp client on the fake's websocket, same handler."""

from __future__ import annotations

import asyncio
import json
import time

from integrations.slack_approvals import SlackApprovals
from integrations.slack_blocks import APPROVE_ACTION, REJECT_ACTION, REJECT_MODAL
from integrations.slack_directory import ApproverDirectory
from policies.refund_policy import RefundPolicy
from tests.slack.approval_desk import ClickLog, InMemoryCases, click, post_request
from tests.slack.fake_slack import APP_TOKEN, FakeSlack
from tests.slack.notices import make_notice
from tests.slack.slack_requests import reason_values, view_submission
from worker.slack_clicks import ApprovalClickHandler
from worker.slack_interactions import SlackSocketMode


async def _until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_socket_mode_runs_the_same_decisions(
    fake_slack: FakeSlack, slack: SlackApprovals, policy: RefundPolicy
) -> None:
    cases, clicks = InMemoryCases(), ClickLog()
    notice = make_notice()
    cases.open(notice.ticket_id, notice, ["alice", "bob"], "agent-7")
    handler = ApprovalClickHandler(
        slack=slack,
        directory=ApproverDirectory(policy),
        submit_decision=cases.submit,
        temporal_client=object(),  # type: ignore[arg-type]
        store=object(),  # type: ignore[arg-type]
        record_click=clicks.record,
    )
    socket_mode = SlackSocketMode(APP_TOKEN, handler, api_base=fake_slack.base_url)
    await socket_mode.start()
    try:
        message = await asyncio.to_thread(post_request, slack, fake_slack, notice)

        # Reject with an empty reason: the ack itself carries the modal's validation error.
        await fake_slack.push_interaction(click(message, "U0BOB", REJECT_ACTION))
        await _until(lambda: fake_slack.views())
        metadata = fake_slack.views()[0]["view"]["private_metadata"]
        ack = await fake_slack.push_interaction(
            view_submission(
                user="U0BOB",
                callback_id=REJECT_MODAL,
                private_metadata=metadata,
                values=reason_values(""),
            )
        )
        assert ack["payload"]["response_action"] == "errors"

        ack = await fake_slack.push_interaction(click(message, "U0ALICE", APPROVE_ACTION))
        assert "payload" not in ack  # a plain ack for a button click
        await _until(lambda: fake_slack.calls("chat.update"))
        updated = fake_slack.message(message.channel, message.ts)
        assert "*Approved* by <@U0ALICE>" in json.dumps(updated.blocks)
        assert [d.approver for _, d in cases.submitted] == ["alice"]
    finally:
        await socket_mode.stop()
    assert len(fake_slack.calls("apps.connections.open")) >= 1
    assert fake_slack.calls("apps.connections.open")[0].token == APP_TOKEN
