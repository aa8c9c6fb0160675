"""Approvers deciding from Slack: approve, reject with a reason, dual control, and the clicks
that must not count twice (a double click, two approvers racing on a single-approval case).

Each test asserts in the systems of record: refunds held by the Stripe sandbox, the case's own
state (status query and result), the calls Slack received, and the CRM audit of every click.
"""

from __future__ import annotations

import asyncio
from functools import partial

import pytest

from integrations.slack_blocks import REJECT_ACTION, REJECT_MODAL
from tests.slack.fake_slack import SlackMessage
from tests.slack.slack_requests import reason_values, view_submission
from tests.slack_e2e.live_desk import ALICE, BOB, CAROL, DAVE, LiveDesk, until
from tests.workflows.case_factory import seed_case

pytestmark = pytest.mark.slow

# Under the shipped policy: above 50.00 one approver (#C0REFUNDS: alice, bob, carol), above
# 500.00 two different approvers (#C0FINANCE: alice, carol, dave).
SINGLE_AMOUNT = 18_000
DUAL_AMOUNT = 75_000
# Time for both clicks to get past the ack and reach the server as Updates.
ADMIT_SECONDS = 1.0
REASON = "Worn outdoors for weeks; outside our returns policy."


async def shows_progress(desk: LiveDesk, message: SlackMessage) -> str | None:
    line = desk.status_line(message)
    return line if "1 of 2 approvals" in line else None


async def test_approve_refunds_once_and_updates_the_message(desk: LiveDesk) -> None:
    case = seed_case(desk.store, desk.billing, amount_cents=SINGLE_AMOUNT)
    await desk.file(case)
    status, message = await desk.waiting(case)
    assert message.channel == "C0REFUNDS" and desk.has_buttons(message)

    response = await desk.click(message, ALICE)
    assert response.content == b""  # Slack's ack: an empty 200, the decision runs after it

    outcome = await desk.outcome(case)
    assert outcome.state == "resolved" and outcome.amount_cents == SINGLE_AMOUNT
    assert desk.refunds(case) == [SINGLE_AMOUNT]
    (click,) = await desk.clicks_recorded(case, 1)
    assert (click.actor, click.action) == ("alice", "slack_click_accepted")
    assert status.pending_approval is not None
    assert status.pending_approval.request_id in click.detail

    assert desk.update_texts() and all(t.startswith("Approved: ") for t in desk.update_texts())
    assert f"*Approved* by <@{ALICE}>" in desk.status_line(message)
    assert not desk.has_buttons(message)
    assert desk.slack.ephemerals() == [] and desk.slack.views() == []
    ticket = desk.ticket(case)
    assert ticket.status == "resolved"
    assert [(a.status, a.approved_by) for a in ticket.approvals] == [("approved", ["alice"])]
    assert [d.channel for d in ticket.approvals[0].decisions] == ["slack"]


async def test_reject_asks_for_a_reason_that_reaches_audit_and_customer(desk: LiveDesk) -> None:
    case = seed_case(desk.store, desk.billing, amount_cents=SINGLE_AMOUNT)
    await desk.file(case)
    _, message = await desk.waiting(case)

    await desk.click(message, BOB, REJECT_ACTION)
    (clicked,) = await desk.clicks_recorded(case, 1)
    assert (clicked.actor, clicked.action) == ("bob", "slack_click_reason_requested")
    (opened,) = desk.slack.views()
    modal = opened["view"]
    assert modal["callback_id"] == REJECT_MODAL
    assert (await desk.status(case)).state == "awaiting_approval"  # nothing decided yet

    # An empty reason keeps the modal open with an error and decides nothing.
    blank = view_submission(
        user=BOB,
        callback_id=modal["callback_id"],
        private_metadata=modal["private_metadata"],
        values=reason_values("   "),
    )
    kept_open = await desk.send(blank)
    assert kept_open.status_code == 200
    assert kept_open.json()["response_action"] == "errors"

    submitted = view_submission(
        user=BOB,
        callback_id=modal["callback_id"],
        private_metadata=modal["private_metadata"],
        values=reason_values(REASON),
    )
    closed = await desk.send(submitted)
    assert closed.status_code == 200 and closed.content == b""  # an empty 200 closes the modal

    outcome = await desk.outcome(case)
    assert outcome.state == "rejected" and REASON in outcome.resolution
    assert desk.refunds(case) == []
    clicks = await desk.clicks_recorded(case, 2)
    assert [(c.actor, c.action) for c in clicks] == [
        ("bob", "slack_click_reason_requested"),
        ("bob", "slack_click_accepted"),
    ]
    ticket = desk.ticket(case)
    assert ticket.status == "rejected"
    rejections = [e for e in ticket.audit if e.action == "approval_rejected"]
    assert len(rejections) == 1 and REASON in rejections[0].detail
    assert "rejected" in [e.action for e in ticket.audit if e.actor == "bob"]
    (reply,) = ticket.outbox
    assert REASON in reply.body

    assert f"*Rejected* by <@{BOB}>" in desk.status_line(message)
    assert REASON in desk.status_line(message)
    assert not desk.has_buttons(message)
    assert any(t.startswith("Rejected: ") for t in desk.update_texts())

    # A stale copy of the message still shows buttons to someone: their click changes nothing.
    await desk.click_on(message, ALICE)
    refused = await desk.ephemeral_for(ALICE)
    assert "Nothing was changed" in refused[0]
    assert desk.refunds(case) == []
    assert (await desk.clicks_recorded(case, 3))[-1].action == "slack_click_refused"


async def test_dual_control_needs_two_different_approvers(desk: LiveDesk) -> None:
    case = seed_case(desk.store, desk.billing, amount_cents=DUAL_AMOUNT)
    await desk.file(case)
    _, message = await desk.waiting(case)
    assert message.channel == "C0FINANCE"

    await desk.click(message, ALICE)
    await desk.clicks_recorded(case, 1)

    await until(partial(shows_progress, desk, message), "the message to show 1 of 2 approvals")
    assert desk.has_buttons(message)  # kept for the second approver
    status = await desk.status(case)
    assert status.state == "awaiting_approval"
    assert status.pending_approval is not None and status.pending_approval.approved_by == ["alice"]
    assert desk.refunds(case) == []

    await desk.click(message, DAVE)
    outcome = await desk.outcome(case)
    assert outcome.state == "resolved"
    assert desk.refunds(case) == [DUAL_AMOUNT]
    clicks = await desk.clicks_recorded(case, 2)
    assert [(c.actor, c.action) for c in clicks] == [
        ("alice", "slack_click_accepted"),
        ("dave", "slack_click_accepted"),
    ]
    assert "*Approved*" in desk.status_line(message) and not desk.has_buttons(message)
    assert any(t.startswith("1 of 2 approvals: ") for t in desk.update_texts())
    assert desk.slack.ephemerals() == []
    (approval,) = desk.ticket(case).approvals
    assert (approval.status, approval.approved_by) == ("approved", ["alice", "dave"])


async def test_double_click_counts_once_towards_dual_control(desk: LiveDesk) -> None:
    case = seed_case(desk.store, desk.billing, amount_cents=DUAL_AMOUNT)
    await desk.file(case)
    _, message = await desk.waiting(case)

    # Two clicks by the same person, one right after the other (two distinct Slack requests).
    await asyncio.gather(desk.click(message, ALICE), desk.click(message, ALICE))
    await desk.clicks_recorded(case, 2)
    status = await desk.status(case)
    assert status.state == "awaiting_approval"
    assert status.pending_approval is not None and status.pending_approval.approved_by == ["alice"]
    assert desk.refunds(case) == []
    (approval,) = desk.ticket(case).approvals
    assert approval.approved_by == ["alice"]
    # The repeated click is answered "already" (and audited as refused), never counted twice;
    # the message still asks for a second approver.
    actions = [c.action for c in await desk.clicks_recorded(case, 2)]
    assert sorted(actions) == ["slack_click_accepted", "slack_click_refused"]
    assert [("already" in e.text) for e in desk.slack.ephemerals()] == [True]
    await until(partial(shows_progress, desk, message), "the message to show 1 of 2 approvals")
    assert desk.has_buttons(message)

    await desk.click(message, CAROL)
    assert (await desk.outcome(case)).state == "resolved"
    assert desk.refunds(case) == [DUAL_AMOUNT]
    (approval,) = desk.ticket(case).approvals
    assert approval.approved_by == ["alice", "carol"]
    clicks = await desk.clicks_recorded(case, 3)
    assert [c.actor for c in clicks] == ["alice", "alice", "carol"]


async def test_two_approvers_racing_on_a_single_approval_one_wins(desk: LiveDesk) -> None:
    case = seed_case(desk.store, desk.billing, amount_cents=SINGLE_AMOUNT)
    await desk.file(case)
    _, message = await desk.waiting(case)

    await asyncio.gather(desk.click(message, ALICE), desk.click(message, BOB))
    outcome = await desk.outcome(case)
    assert outcome.state == "resolved"
    assert desk.refunds(case) == [SINGLE_AMOUNT]

    clicks = await desk.clicks_recorded(case, 2)
    accepted = [c for c in clicks if c.action == "slack_click_accepted"]
    refused = [c for c in clicks if c.action == "slack_click_refused"]
    assert len(accepted) == 1 and len(refused) == 1, [(c.actor, c.action) for c in clicks]
    winner, loser = accepted[0].actor, refused[0].actor
    assert {winner, loser} == {"alice", "bob"}
    loser_slack = {"alice": ALICE, "bob": BOB}[loser]
    (told,) = await desk.ephemeral_for(loser_slack)
    assert "Nothing was changed" in told
    assert [e.user for e in desk.slack.ephemerals()] == [loser_slack]

    (approval,) = desk.ticket(case).approvals
    assert approval.approved_by == [winner]
    winner_slack = {"alice": ALICE, "bob": BOB}[winner]
    assert f"*Approved* by <@{winner_slack}>" in desk.status_line(message)


async def test_two_approvers_in_one_workflow_task_one_wins(desk: LiveDesk) -> None:
    """Both clicks reach the case while its worker is away (a deploy, a crash), so both Updates
    are delivered in the same workflow task. The SDK runs each one's validator and handler in
    turn, so the second is refused by the validator: exactly one approval, one refund."""
    case = seed_case(desk.store, desk.billing, amount_cents=SINGLE_AMOUNT)
    await desk.file(case)
    _, message = await desk.waiting(case)

    async with desk.worker.away():
        await asyncio.gather(desk.click(message, ALICE), desk.click(message, BOB))
        await asyncio.sleep(ADMIT_SECONDS)  # both Updates are now waiting at the server

    outcome = await desk.outcome(case)
    assert outcome.state == "resolved"
    assert desk.refunds(case) == [SINGLE_AMOUNT]
    clicks = await desk.clicks_recorded(case, 2)
    outcomes = sorted(c.action for c in clicks)
    assert outcomes == ["slack_click_accepted", "slack_click_refused"], clicks
    (refused,) = [c for c in clicks if c.action == "slack_click_refused"]
    assert "already_decided" in refused.detail
    loser_slack = {"alice": ALICE, "bob": BOB}[refused.actor]
    (told,) = await desk.ephemeral_for(loser_slack)
    assert "This refund was already decided." in told
    (approval,) = desk.ticket(case).approvals
    assert len(approval.approved_by) == 1 and approval.approved_by != [refused.actor]
