"""Clicks that arrive after the case stopped waiting: the request expired (and was escalated),
or another approver already closed the case.

For expiry the policy reminds after one second and expires after three, so it runs on the real
dev server in real time; the time-skipping tests (tests/workflows/refund/test_slack_approval_paths.py)
cover the same path with the shipped hours.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.slack.fake_slack import SlackMessage
from tests.slack_e2e.live_desk import ALICE, BOB, CAROL, ERIN, LiveDesk, until
from tests.workflows.case_factory import seed_case

pytestmark = pytest.mark.slow

SINGLE_AMOUNT = 18_000
SECOND = 1 / 3600  # the policy counts in hours


FAST_EXPIRY: dict[str, Any] = {
    "approval_reminder_after_hours": 1 * SECOND,
    "approval_expiry_hours": 3 * SECOND,
}


# Direct parametrization overrides the conftest fixture of the same name for this test only.
@pytest.mark.parametrize("policy_overrides", [FAST_EXPIRY], ids=["fast-expiry"])
async def test_click_after_expiry_is_refused_and_never_refunds(desk: LiveDesk) -> None:
    case = seed_case(desk.store, desk.billing, amount_cents=SINGLE_AMOUNT)
    await desk.file(case)
    _, original = await desk.waiting(case)

    async def escalated() -> SlackMessage | None:
        copies = desk.slack.messages("C0SUPPORTLEADS")
        return copies[0] if copies else None

    # Snapshots with buttons, as approvers' clients still show them when they click late.
    escalation_copy = await until(escalated, "the escalation copy in #C0SUPPORTLEADS")
    outcome = await desk.outcome(case)
    assert outcome.state == "expired"

    await desk.click_on(original, ALICE)
    await desk.click_on(escalation_copy, ERIN)
    (alice_told,) = await desk.ephemeral_for(ALICE)
    (erin_told,) = await desk.ephemeral_for(ERIN)
    for told in (alice_told, erin_told):
        assert "This approval request has expired." in told and "Nothing was changed." in told

    clicks = await desk.clicks_recorded(case, 2)
    assert sorted((c.actor, c.action) for c in clicks) == [
        ("alice", "slack_click_refused"),
        ("erin", "slack_click_refused"),
    ]
    assert all("expired" in c.detail for c in clicks)
    assert desk.refunds(case) == []
    assert (await desk.status(case)).state == "expired"
    ticket = desk.ticket(case)
    assert ticket.status == "expired"
    assert [a.status for a in ticket.approvals] == ["expired"]
    assert ticket.approvals[0].decisions == []

    # Both messages say what happened; the late clicks did not change them.
    for message in (original, escalation_copy):
        current = desk.slack.message(message.channel, message.ts)
        assert current.text.startswith("Expired: ") and not desk.has_buttons(message)
        assert "escalated to <#C0SUPPORTLEADS>" in desk.status_line(message)
    assert all(t.startswith("Expired: ") for t in desk.update_texts())


async def test_click_after_another_approver_closed_the_case(desk: LiveDesk) -> None:
    case = seed_case(desk.store, desk.billing, amount_cents=SINGLE_AMOUNT)
    await desk.file(case)
    _, message = await desk.waiting(case)

    await desk.click(message, BOB)
    assert (await desk.outcome(case)).state == "resolved"
    await desk.clicks_recorded(case, 1)

    await desk.click_on(message, CAROL)  # her client still showed the buttons
    (told,) = await desk.ephemeral_for(CAROL)
    assert "Nothing was changed." in told
    clicks = await desk.clicks_recorded(case, 2)
    assert [(c.actor, c.action) for c in clicks] == [
        ("bob", "slack_click_accepted"),
        ("carol", "slack_click_refused"),
    ]
    assert desk.refunds(case) == [SINGLE_AMOUNT]
    (approval,) = desk.ticket(case).approvals
    assert approval.approved_by == ["bob"]
    assert f"*Approved* by <@{BOB}>" in desk.status_line(message)
